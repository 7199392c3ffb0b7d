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
        forms.add(secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/"));
        forms.add(secret.replace("\\", "\\\\").replace("\"", "\\\""));
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

  /** A truncated excerpt can end in the first part of a secret. */
  private String scrubCutOff(String text) {
    for (String secret : secrets) {
      for (int length = Math.min(secret.length() - 1, text.length()); length >= MIN_SECRET_CHARS; length--) {
        if (text.regionMatches(text.length() - length, secret, 0, length)) {
          return text.substring(0, text.length() - length) + MARK;
        }
      }
    }
    return text;
  }
}
