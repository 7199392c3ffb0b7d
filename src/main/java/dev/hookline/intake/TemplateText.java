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
    int[] retryAt = new int[1];
    while (true) {
      int open = text.indexOf("{{", from);
      if (open < 0) {
        break;
      }
      int end = placeholderEnd(text, open, segments, literalStart, retryAt);
      if (end >= 0) {
        literalStart = end;
        from = end;
      } else {
        from = Math.max(open + 1, retryAt[0]);
      }
    }
    if (literalStart < text.length()) {
      segments.add(new Segment(text.substring(literalStart), null, null));
    }
    return segments;
  }

  /**
   * Reads a placeholder at {@code open}. On a match, adds the literal before it and the placeholder
   * to {@code segments} and answers the index after it. Otherwise answers -1 and puts in
   * {@code retryAt} the first later index where a placeholder could still start: every "{{"
   * between {@code open} and the point where this read failed reads the same run of characters
   * and fails at the same point, except one whose "{{" are the path's last two characters (it
   * reads the white space after them as its own), and one straddling the failing character.
   * Resuming there keeps the whole split linear.
   */
  private static int placeholderEnd(String text, int open, List<Segment> segments, int literalStart, int[] retryAt) {
    int n = text.length();
    int i = skipSpace(text, open + 2);
    int pathStart = i;
    while (i < n && !isSpace(text.charAt(i)) && text.charAt(i) != '|' && text.charAt(i) != '}') {
      i++;
    }
    int pathEnd = i;
    if (pathEnd == pathStart) {
      retryAt[0] = i - 1;
      return -1;
    }
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
      segments.add(new Segment(null, text.substring(pathStart, pathEnd), fallback));
      return i + 2;
    }
    int pathTail = pathEnd - 2;
    boolean tailOpens = pathTail > open && text.startsWith("{{", pathTail);
    retryAt[0] = tailOpens ? Math.min(pathTail, i - 1) : i - 1;
    return -1;
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
