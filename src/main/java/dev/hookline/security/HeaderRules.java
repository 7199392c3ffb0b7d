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

  /** An HTTP token (RFC 9110): what a header name, or a prefix of one, must be. */
  public static boolean isToken(String name) {
    return TOKEN.matcher(name).matches();
  }

  /** Null when {@code name} may be set; otherwise what is wrong with it. */
  public static String nameProblem(String name, String headerPrefix) {
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_HEADER_BYTES) {
      return "is over the " + MAX_HEADER_BYTES + "-byte limit";
    }
    if (!isToken(name)) {
      return hasControl(name) ? "must not contain CR, LF, NUL or other control characters"
          : "is not a valid HTTP header name";
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (FRAMING.contains(lower)) {
      return name + " is set by Hookline's HTTP client and cannot be overridden";
    }
    if (new ReservedHeaders(headerPrefix).isReserved(name)) {
      return name + " is reserved for Hookline's signature and delivery id headers";
    }
    return null;
  }

  /**
   * Null when {@code value} can be sent as a header value as it is; otherwise what is wrong. Beyond
   * control characters (see {@link #hasControl}), only Latin-1 can go on the wire: the HTTP client
   * would send any other character as '?', so the receiver would get something else than stored.
   */
  public static String valueProblem(String value) {
    if (hasControl(value)) {
      return "must not contain CR, LF, NUL or other control characters";
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0xFF) {
        return "must contain only Latin-1 characters (U+0000 to U+00FF): HTTP header values cannot carry others;"
            + " percent-encode them or send them in the payload";
      }
    }
    return null;
  }

  /**
   * Control characters other than tab (CR, LF and NUL included) are refused when stored: the HTTP
   * client would reject them at send time with an error quoting the whole value, secret included.
   */
  public static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
