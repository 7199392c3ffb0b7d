package dev.hookline.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Looks for secret values in every place Hookline writes or answers, and says where each turned up. */
public final class LeakScan {
  private LeakScan() {
  }

  /** One line per (secret, place) found, with the text around it; {@code places} and {@code secrets} by name. */
  public static List<String> find(Map<String, String> places, Map<String, String> secrets) {
    List<String> leaks = new ArrayList<>();
    places.forEach((where, text) -> secrets.forEach((name, value) -> {
      if (text != null && text.contains(value)) {
        leaks.add(name + " in " + where + ": …" + around(text, value) + "…");
      }
    }));
    return leaks;
  }

  private static String around(String text, String value) {
    int at = text.indexOf(value);
    return text.substring(Math.max(0, at - 120), Math.min(text.length(), at + value.length() + 40)).replace('\n', ' ');
  }
}
