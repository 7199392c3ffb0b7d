package dev.hookline.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads typed values out of a config tree by dotted key, collecting every problem so that one
 * start-up attempt reports all bad keys at once instead of one per restart.
 */
final class ConfigReader {
  private final JsonObject root;
  private final List<String> problems = new ArrayList<>();
  /** Every key asked for, in order: after all reads, this is the schema unknown keys are checked against. */
  private final Set<String> keysRead = new LinkedHashSet<>();

  ConfigReader(JsonObject root) {
    this.root = root;
  }

  String string(String key) {
    Object value = lookup(key);
    if (!(value instanceof String s) || s.isBlank()) {
      problems.add(key + " must be a non-empty string (got " + describe(value) + ")");
      return "";
    }
    return s;
  }

  boolean bool(String key) {
    Object value = lookup(key);
    if (value instanceof Boolean b) {
      return b;
    }
    problems.add(key + " must be true or false (got " + describe(value) + ")");
    return false;
  }

  /** The non-blank items of a comma-separated list, trimmed: how lists arrive in environment variables. */
  static List<String> commaSeparated(String text) {
    List<String> items = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        items.add(part.trim());
      }
    }
    return items;
  }

  /** A list of non-empty strings; also accepts one comma-separated string (how environment variables arrive). */
  List<String> stringList(String key) {
    Object value = lookup(key);
    List<String> items = new ArrayList<>();
    if (value instanceof String s) {
      return commaSeparated(s);
    }
    if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (!(item instanceof String s) || s.isBlank()) {
          problems.add(key + " must be a list of non-empty strings");
          return List.of();
        }
        items.add(s);
      }
      return items;
    }
    problems.add(key + " must be a list of strings (got " + describe(value) + ")");
    return List.of();
  }

  /** A string that may be empty (an unset optional path); absent or non-string is still an error. */
  String optionalString(String key) {
    Object value = lookup(key);
    if (value instanceof String s) {
      return s.trim();
    }
    problems.add(key + " must be a string (got " + describe(value) + ")");
    return "";
  }

  /** The value as it stands in the tree (null when absent), for keys with a shape of their own. */
  Object raw(String key) {
    return lookup(key);
  }

  /** Runs a check that throws IllegalArgumentException with a message naming the key. */
  <T> T parse(java.util.function.Supplier<T> parser, T fallback) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return fallback;
    }
  }

  int integer(String key, int min, int max) {
    Object value = lookup(key);
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && n.doubleValue() >= min && n.doubleValue() <= max) {
      return n.intValue();
    }
    problems.add(key + " must be a whole number from " + min + " to " + max + " (got " + describe(value) + ")");
    return min;
  }

  /** A number from {@code min} to {@code max}, both included (e.g. a fraction). */
  double number(String key, double min, double max) {
    Object value = lookup(key);
    if (value instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() >= min
        && n.doubleValue() <= max) {
      return n.doubleValue();
    }
    problems.add(key + " must be a number from " + trim(min) + " to " + trim(max) + " (got " + describe(value) + ")");
    return min;
  }

  /** Seconds as a fraction-friendly double, so tests can run with 0.05 s delays. */
  double seconds(String key, double minExclusive, double max) {
    Object value = lookup(key);
    if (value instanceof Number n && Double.isFinite(n.doubleValue())
        && n.doubleValue() > minExclusive && n.doubleValue() <= max) {
      return n.doubleValue();
    }
    problems.add(key + " must be a number of seconds above " + trim(minExclusive) + " and at most "
        + trim(max) + " (got " + describe(value) + ")");
    return max;
  }

  /** As {@link #number}, but an absent or null key is {@code fallback} (a default derived from other keys). */
  double optionalNumber(String key, double min, double max, double fallback) {
    return lookup(key) == null ? fallback : number(key, min, max);
  }

  /** As {@link #seconds}, but an absent or null key is {@code fallback} (a default derived from other keys). */
  double optionalSeconds(String key, double minExclusive, double max, double fallback) {
    return lookup(key) == null ? fallback : seconds(key, minExclusive, max);
  }

  void require(boolean condition, String problem) {
    if (!condition) {
      problems.add(problem);
    }
  }

  /**
   * Puts first a problem for every name that no read asked for: keys and sections in the tree, and
   * {@code HOOKLINE_} variables in {@code env}. A mistyped name would otherwise leave its default
   * in force without a word. Call it after every read, so the keys read are the whole schema.
   */
  void rejectUnknown(Map<String, String> env) {
    List<String> unknown = new ArrayList<>(UnknownNames.inTree(root, keysRead));
    unknown.addAll(UnknownNames.inEnvironment(env, keysRead));
    problems.addAll(0, unknown);
  }

  void throwIfInvalid() {
    if (!problems.isEmpty()) {
      throw new ConfigException("Invalid configuration: " + String.join("; ", problems));
    }
  }

  private Object lookup(String key) {
    keysRead.add(key);
    Object node = root;
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject object)) {
        return null;
      }
      node = object.getValue(part);
    }
    return node;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "nothing";
    }
    return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
