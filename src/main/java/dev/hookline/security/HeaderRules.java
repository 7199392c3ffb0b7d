package dev.hookline.security;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Which header names a tenant (custom header or credential) may set. */
public final class HeaderRules {
  public static final int MAX_HEADER_BYTES = 8 * 1024;
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  /** Framing and hop-by-hop headers belong to the HTTP client; a tenant setting them could smuggle requests. */
  private static final Set<String> FRAMING = Set.of("host", "content-length", "transfer-encoding", "connection",
      "upgrade", "te", "trailer", "keep-alive", "proxy-connection");

  private HeaderRules() {
  }

  /** Null when {@code name} may be set; otherwise what is wrong with it. */
  public static String nameProblem(String name, String headerPrefix) {
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_HEADER_BYTES) {
      return "is over the " + MAX_HEADER_BYTES + "-byte limit";
    }
    if (!TOKEN.matcher(name).matches()) {
      return hasControl(name) ? "must not contain CR, LF or NUL" : "is not a valid HTTP header name";
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (FRAMING.contains(lower)) {
      return name + " is set by Hookline's HTTP client and cannot be overridden";
    }
    String prefix = headerPrefix.toLowerCase(Locale.ROOT);
    if (lower.startsWith("webhook-") || lower.equals(prefix + "-delivery-id") || lower.equals(prefix + "-workflow-run-id")
        || lower.equals(prefix + "-delivery-attempt")) {
      return name + " is reserved for Hookline's signature and delivery id headers";
    }
    return null;
  }

  public static boolean hasControl(String text) {
    return text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0;
  }
}
