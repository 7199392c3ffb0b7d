package dev.hookline.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the config keys and {@code HOOKLINE_} variables that name nothing Hookline reads, each with
 * a "did you mean" hint when a known name is close. The known keys are those {@link ConfigReader}
 * was asked for, so this list cannot drift from what validation reads.
 */
final class UnknownNames {
  private static final String PREFIX = "HOOKLINE_";

  private UnknownNames() {
  }

  /** Sections and {@code section.key} entries of {@code root} outside {@code known} (dotted keys). */
  static List<String> inTree(JsonObject root, Collection<String> known) {
    Set<String> sections = new TreeSet<>();
    known.forEach(key -> sections.add(section(key)));
    List<String> problems = new ArrayList<>();
    for (String section : new TreeSet<>(root.fieldNames())) {
      if (!sections.contains(section)) {
        problems.add("unknown section " + section + hint(NearestName.among(section, sections)));
        continue;
      }
      if (!(root.getValue(section) instanceof JsonObject keys)) {
        continue;
      }
      for (String name : new TreeSet<>(keys.fieldNames())) {
        String key = section + "." + name;
        if (!known.contains(key)) {
          problems.add("unknown key " + key + hint(NearestName.among(key, known).or(() -> inOtherSection(name, known))));
        }
      }
    }
    return problems;
  }

  /**
   * Variables whose name starts with {@code HOOKLINE_} (in any case) yet set no key and are not
   * among {@link ConfigLoader#NOT_CONFIG_VARIABLES} or the test harness's {@code HOOKLINE_TEST_*}.
   * Only names are reported: a value may be a secret.
   */
  static List<String> inEnvironment(Map<String, String> env, Collection<String> knownKeys) {
    Set<String> accepted = new TreeSet<>(ConfigLoader.variableNames(knownKeys));
    accepted.addAll(ConfigLoader.NOT_CONFIG_VARIABLES);
    List<String> candidates = accepted.stream().filter(name -> name.startsWith(PREFIX)).toList();
    List<String> problems = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) && !accepted.contains(name)
          && !name.startsWith(ConfigLoader.TEST_VARIABLE_PREFIX)) {
        problems.add("unknown environment variable " + name + hint(NearestName.among(name, candidates)));
      }
    }
    return problems;
  }

  /** A key put in the wrong section, e.g. http.maxAttempts for delivery.maxAttempts. */
  private static Optional<String> inOtherSection(String name, Collection<String> known) {
    return known.stream().filter(key -> key.substring(key.indexOf('.') + 1).toLowerCase(Locale.ROOT)
        .equals(name.toLowerCase(Locale.ROOT))).findFirst();
  }

  private static String section(String key) {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot);
  }

  private static String hint(Optional<String> meant) {
    return meant.map(name -> " (did you mean " + name + "?)").orElse("");
  }
}
