package dev.hookline.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the config tree: built-in defaults, then an optional file (keys it omits keep their
 * defaults), then environment variables. Validation is left to {@link HooklineConfig#from}.
 */
public final class ConfigLoader {
  public static final String DEFAULTS_RESOURCE = "hookline.json";

  /** Names the reference implementation used; kept so existing deployments need no changes. */
  private static final Map<String, String> LEGACY_ENV = Map.of(
      "WEBHOOK_DELIVERY_MAX_ATTEMPTS", "delivery.maxAttempts",
      "WEBHOOK_DELIVERY_BASE_DELAY_SECONDS", "delivery.baseDelaySeconds",
      "WEBHOOK_DELIVERY_MAX_DELAY_SECONDS", "delivery.maxDelaySeconds",
      "WEBHOOK_DELIVERY_TIMEOUT_SECONDS", "delivery.timeoutSeconds",
      "HOOKLINE_API_TOKENS", "http.apiTokens",
      "HOOKLINE_SECRET_KEYS", "security.secretKeys");

  /**
   * {@code HOOKLINE_} variables that are not config keys, so the unknown-variable check leaves them
   * alone: the config file's path (read by the CLI) and the log level and target (read by logback).
   */
  static final Set<String> NOT_CONFIG_VARIABLES = Set.of("HOOKLINE_CONFIG", "HOOKLINE_LOG_LEVEL", "HOOKLINE_LOG_TARGET");
  /** The test suite's own settings (base addresses, log levels); a shell that runs tests may also run the jar. */
  static final String TEST_VARIABLE_PREFIX = "HOOKLINE_TEST_";

  private static final String API_TOKENS = "http.apiTokens";
  private static final Pattern TENANT_TOKEN = Pattern.compile("([1-9][0-9]{0,17})=(.+)");

  private ConfigLoader() {
  }

  /** A fresh, mutable copy of the built-in defaults. */
  public static JsonObject defaults() {
    return Defaults.JSON.copy();
  }

  /** Read from the jar once per JVM, not on every start (which may run on an event loop). */
  private static final class Defaults {
    static final JsonObject JSON = read();

    private static JsonObject read() {
      try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
        }
        return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
      }
    }
  }

  /** Defaults, overlaid with {@code file} when given, then with the environment. */
  public static JsonObject load(Path file, Map<String, String> env) {
    return load(file, null, env);
  }

  /** As {@link #load(Path, Map)}; {@code givenBy} (e.g. "given with -conf") is told when the file cannot be read. */
  public static JsonObject load(Path file, String givenBy, Map<String, String> env) {
    JsonObject config = defaults();
    if (file != null) {
      config.mergeIn(readFile(file, givenBy), true);
    }
    applyEnvironment(config, env);
    return config;
  }

  public static JsonObject readFile(Path file) {
    return readFile(file, null);
  }

  /**
   * The file's JSON object. Why it cannot be read comes first, then how its path was given and
   * where that led, since a relative path depends on the working directory.
   */
  public static JsonObject readFile(Path file, String givenBy) {
    String origin = " (" + (givenBy == null ? "" : "path " + givenBy + ", ") + "looked for " + file.toAbsolutePath() + ")";
    if (Files.notExists(file)) {
      throw new ConfigException("config file " + file + " does not exist" + origin);
    }
    if (Files.isDirectory(file)) {
      throw new ConfigException("config file " + file + " is a directory, not a file" + origin);
    }
    try {
      return new JsonObject(Files.readString(file));
    } catch (AccessDeniedException e) {
      throw new ConfigException("config file " + file + " is not readable (permission denied)" + origin);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + origin + ": " + e.getMessage());
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("config file " + file + " is not a JSON object: " + e.getMessage());
    }
  }

  /**
   * Every key {@code section.someKey} can be set as {@code HOOKLINE_SECTION_SOME_KEY}; the legacy
   * {@code WEBHOOK_DELIVERY_*} names apply first so the more specific Hookline name wins.
   */
  static void applyEnvironment(JsonObject config, Map<String, String> env) {
    LEGACY_ENV.forEach((name, key) -> {
      String value = env.get(name);
      if (value != null) {
        put(config, key, value);
      }
    });
    for (String section : config.fieldNames()) {
      if (!(config.getValue(section) instanceof JsonObject keys)) {
        continue;
      }
      for (String key : keys.fieldNames()) {
        String value = env.get(envName(section, key));
        if (value != null) {
          put(config, section + "." + key, value);
        }
      }
    }
  }

  /** Every variable that sets one of {@code keys} (dotted): its own name and any legacy alias. */
  static Set<String> variableNames(Collection<String> keys) {
    Set<String> names = new TreeSet<>(LEGACY_ENV.keySet());
    for (String key : keys) {
      int dot = key.indexOf('.');
      names.add(envName(key.substring(0, dot), key.substring(dot + 1)));
    }
    return names;
  }

  public static String envName(String section, String key) {
    return ("HOOKLINE_" + section + "_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2")).toUpperCase(Locale.ROOT);
  }

  /**
   * Environment values are text; for keys whose default is not a string, numbers and booleans are
   * typed so validation sees what was meant (a key prefix of "123" stays a string).
   */
  private static void put(JsonObject config, String key, String raw) {
    String[] parts = key.split("\\.");
    JsonObject section = config.getJsonObject(parts[0]);
    if (section == null) {
      section = new JsonObject();
      config.put(parts[0], section);
    }
    Object current = section.getValue(parts[1]);
    if (current instanceof JsonArray) {
      // Lists arrive comma-separated, e.g. HOOKLINE_API_TOKENS=tokenA,tokenB.
      JsonArray items = new JsonArray();
      for (String item : ConfigReader.commaSeparated(raw)) {
        items.add(API_TOKENS.equals(key) ? apiToken(item) : item);
      }
      section.put(parts[1], items);
      return;
    }
    section.put(parts[1], current instanceof String ? raw.trim() : typed(raw.trim()));
  }

  /**
   * In HOOKLINE_API_TOKENS an entry {@code ORG=TOKEN} (ORG a positive whole number) is a token for
   * that organization only; any other entry is an operator token.
   */
  private static Object apiToken(String entry) {
    Matcher tenant = TENANT_TOKEN.matcher(entry);
    if (tenant.matches()) {
      return new JsonObject().put("token", tenant.group(2)).put("organizationId", Long.parseLong(tenant.group(1)));
    }
    return entry;
  }

  private static Object typed(String raw) {
    if ("true".equalsIgnoreCase(raw) || "false".equalsIgnoreCase(raw)) {
      return Boolean.parseBoolean(raw);
    }
    try {
      return raw.contains(".") || raw.contains("e") || raw.contains("E") ? Double.parseDouble(raw) : Long.parseLong(raw);
    } catch (NumberFormatException notANumber) {
      return raw;
    }
  }
}
