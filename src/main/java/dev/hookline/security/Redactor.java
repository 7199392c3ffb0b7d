package dev.hookline.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes the secrets an attempt sent from what came back: a receiver that echoes its request
 * (in an error body, or in a header) must not get a credential into the attempt log, the API or a
 * log line. Each secret is also looked for as JSON and as many frameworks escape it, and a
 * secret cut off at the end of a truncated excerpt is removed as far as it goes.
 */
public final class Redactor {
  public static final Redactor NONE = new Redactor(List.of());
  static final String MARK = "[redacted]";
  /** Shorter values are too likely to occur by chance to be cut out of everything. */
  static final int MIN_SECRET_CHARS = 4;

  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  public static Redactor of(Collection<String> secrets) {
    Set<String> forms = new LinkedHashSet<>();
    for (String secret : secrets) {
      if (secret != null && secret.length() >= MIN_SECRET_CHARS) {
        forms.add(secret);
        String json = jsonEscaped(secret, false);
        forms.add(json);
        forms.add(json.replace("/", "\\/"));
        forms.add(jsonEscaped(secret, true));
        // A Latin-1 header value goes out as single bytes; echoed raw, each is invalid UTF-8 and
        // decodes to U+FFFD in the excerpt.
        forms.add(secret.replaceAll("[^\\x00-\\x7F]", "\uFFFD"));
      }
    }
    List<String> longestFirst = new ArrayList<>(forms);
    longestFirst.sort(Comparator.comparingInt(String::length).reversed());
    return new Redactor(List.copyOf(longestFirst));
  }

  /** {@code text} with every secret replaced by {@value #MARK}; null stays null. */
  public String scrub(String text) {
    if (text == null || text.isEmpty() || secrets.isEmpty()) {
      return text;
    }
    String scrubbed = text;
    for (String secret : secrets) {
      if (scrubbed.contains(secret)) {
        scrubbed = scrubbed.replace(secret, MARK);
      }
    }
    return scrubCutOff(scrubbed);
  }

  /** A truncated excerpt can end in the first part of a secret: the longest such tail is cut. */
  private String scrubCutOff(String text) {
    int longest = 0;
    for (String secret : secrets) {
      for (int length = Math.min(secret.length() - 1, text.length()); length > longest; length--) {
        if (length >= MIN_SECRET_CHARS && text.regionMatches(text.length() - length, secret, 0, length)) {
          longest = length;
          break;
        }
      }
    }
    return longest == 0 ? text : text.substring(0, text.length() - longest) + MARK;
  }

  /**
   * {@code secret} as the content of a JSON string. {@code asciiSafe}: also every non-ASCII
   * character and & < > ' as backslash-u escapes, as Python's default and Go's encoders write them.
   */
  private static String jsonEscaped(String secret, boolean asciiSafe) {
    StringBuilder out = new StringBuilder(secret.length() + 8);
    for (int i = 0; i < secret.length(); i++) {
      char c = secret.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c < 0x20 || (asciiSafe && (c > 0x7e || c == '&' || c == '<' || c == '>' || c == '\''))) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
