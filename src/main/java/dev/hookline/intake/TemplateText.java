package dev.hookline.intake;

import java.util.ArrayList;
import java.util.List;

/**
 * One template string split into literal text and {@code {{ path | default }}} placeholders, in a
 * single left-to-right pass. Tenants write templates, so the split must stay linear in the text's
 * length however it is crafted: a backtracking pattern here took minutes on 64 KB of "{".
 *
 * <p>The grammar is the one the reference's pattern matched: {@code {{}, optional white space, a
 * path (no white space, '|' or '}'), optional white space, optionally '|' and a default (no '}'),
 * then {@code }}}. Where a {@code {{} starts no placeholder, it is literal text.
 */
final class TemplateText {
  /** A piece of the text: literal when {@code path} is null, else a placeholder. */
  record Segment(String literal, String path, String fallback) {
  }

  private TemplateText() {
  }

  static List<Segment> split(String text) {
    List<Segment> segments = new ArrayList<>();
    int literalStart = 0;
    int from = 0;
    while (true) {
      int open = text.indexOf("{{", from);
      if (open < 0) {
        break;
      }
      int end = placeholderEnd(text, open, segments, literalStart);
      if (end >= 0) {
        literalStart = end;
        from = end;
      } else {
        // Every "{{" that starts inside the stretch this attempt read fails at the same point (the
        // stretch is one run of path or default characters), so the search resumes where it
        // failed: one character back, for a "{{" that straddles that point. Hence linear.
        from = Math.max(open + 1, -end - 2);
      }
    }
    if (literalStart < text.length()) {
      segments.add(new Segment(text.substring(literalStart), null, null));
    }
    return segments;
  }

  /**
   * Reads a placeholder at {@code open}. On a match, adds the literal before it and the placeholder
   * to {@code segments} and answers the index after it; otherwise answers {@code -(failedAt + 1)}.
   */
  private static int placeholderEnd(String text, int open, List<Segment> segments, int literalStart) {
    int n = text.length();
    int i = skipSpace(text, open + 2);
    int pathStart = i;
    while (i < n && !isSpace(text.charAt(i)) && text.charAt(i) != '|' && text.charAt(i) != '}') {
      i++;
    }
    if (i == pathStart) {
      return -(i + 1);
    }
    String path = text.substring(pathStart, i);
    i = skipSpace(text, i);
    String fallback = null;
    if (i < n && text.charAt(i) == '|') {
      int fallbackStart = ++i;
      while (i < n && text.charAt(i) != '}') {
        i++;
      }
      fallback = text.substring(fallbackStart, i);
    }
    if (i + 1 < n && text.charAt(i) == '}' && text.charAt(i + 1) == '}') {
      if (open > literalStart) {
        segments.add(new Segment(text.substring(literalStart, open), null, null));
      }
      segments.add(new Segment(null, path, fallback));
      return i + 2;
    }
    return -(i + 1);
  }

  private static int skipSpace(String text, int i) {
    while (i < text.length() && isSpace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  /** What the reference's {@code \s} matched. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }
}
