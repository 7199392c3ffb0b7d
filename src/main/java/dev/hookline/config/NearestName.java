package dev.hookline.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known name closest to a mistyped one, for "did you mean ...?" hints. Case is ignored and a
 * swap of two neighbouring letters counts as one edit, since those are the usual slips.
 */
final class NearestName {
  private static final int MAX_EDITS = 3;

  private NearestName() {
  }

  /**
   * The candidate with the fewest edits from {@code wrong}, if it is close enough to be what was
   * meant: up to one edit per five characters (at least one, at most three). Ties go to the
   * candidate met first.
   */
  static Optional<String> among(String wrong, Collection<String> candidates) {
    int allowed = Math.max(1, Math.min(MAX_EDITS, wrong.length() / 5));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(wrong, candidate);
      if (d <= allowed && d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Case-insensitive edit distance (optimal string alignment: insert, delete, replace, swap neighbours). */
  static int distance(String a, String b) {
    String s = a.toLowerCase(Locale.ROOT);
    String t = b.toLowerCase(Locale.ROOT);
    int[][] d = new int[s.length() + 1][t.length() + 1];
    for (int i = 0; i <= s.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= t.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= s.length(); i++) {
      for (int j = 1; j <= t.length(); j++) {
        int cost = s.charAt(i - 1) == t.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && s.charAt(i - 1) == t.charAt(j - 2) && s.charAt(i - 2) == t.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[s.length()][t.length()];
  }
}
