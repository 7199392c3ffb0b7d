package dev.hookline.intake;

import java.util.ArrayList;
import java.util.List;

/**
 * One template string split into literal text and {@code {{ path | default }}} placeholders.
 * Tenants write templates, so the split must stay linear in the text's length however it is
 * crafted: a backtracking pattern here took minutes on 64 KB of "{".
 *
 * <p>The grammar is the one the reference's pattern matched, leftmost first: {@code {{}, optional
 * white space, a path (no white space, '|' or '}'), optional white space, optionally '|' and a
 * default (no '}'), then {@code }}}. Nothing inside a placeholder is a '}', so the placeholder
 * starting at a given "{{" can only end at the first '}' after it; with the next '}', the next
 * non-space and the next path stop known for every index (one backward pass), each "{{" is
 * accepted or rejected in constant time.
 */
final class TemplateText {
  /** A piece of the text: literal when {@code path} is null, else a placeholder. */
  record Segment(String literal, String path, String fallback) {
  }

  private TemplateText() {
  }

  static List<Segment> split(String text) {
    int n = text.length();
    int[] nextClose = new int[n + 1];
    int[] nextNonSpace = new int[n + 1];
    int[] nextPathStop = new int[n + 1];
    nextClose[n] = n;
    nextNonSpace[n] = n;
    nextPathStop[n] = n;
    for (int i = n - 1; i >= 0; i--) {
      char c = text.charAt(i);
      nextClose[i] = c == '}' ? i : nextClose[i + 1];
      nextNonSpace[i] = isSpace(c) ? nextNonSpace[i + 1] : i;
      nextPathStop[i] = isSpace(c) || c == '|' || c == '}' ? i : nextPathStop[i + 1];
    }
    List<Segment> segments = new ArrayList<>();
    int literalStart = 0;
    int from = 0;
    for (int open = text.indexOf("{{"); open >= 0; open = text.indexOf("{{", from)) {
      int close = nextClose[open + 2];
      int path = nextNonSpace[open + 2];
      boolean matched = false;
      if (close + 1 < n && text.charAt(close + 1) == '}' && path < close && text.charAt(path) != '|') {
        int pathEnd = nextPathStop[path];
        int after = nextNonSpace[pathEnd];
        if (after == close || text.charAt(after) == '|') {
          if (open > literalStart) {
            segments.add(new Segment(text.substring(literalStart, open), null, null));
          }
          segments.add(new Segment(null, text.substring(path, pathEnd),
              after == close ? null : text.substring(after + 1, close)));
          literalStart = close + 2;
          matched = true;
        }
      }
      from = matched ? literalStart : open + 1;
    }
    if (literalStart < n) {
      segments.add(new Segment(text.substring(literalStart), null, null));
    }
    return segments;
  }

  /** What the reference's {@code \s} matched. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }
}
