package dev.hookline.cli;

import dev.hookline.config.ConfigLoader;
import dev.hookline.config.HooklineConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code -conf FILE} on every command; without it, {@code HOOKLINE_CONFIG}, then the built-in defaults. */
final class ConfigOption {
  @Option(names = {"-conf", "--conf"}, paramLabel = "FILE",
      description = "JSON config laid over the defaults (default: $HOOKLINE_CONFIG, else none)")
  Path file;

  /** The merged tree (defaults, file, environment), validated. */
  Loaded load(Map<String, String> env) {
    Path chosen = file;
    String givenBy = "given with -conf/--conf";
    if (chosen == null && env.get("HOOKLINE_CONFIG") != null && !env.get("HOOKLINE_CONFIG").isBlank()) {
      chosen = Path.of(env.get("HOOKLINE_CONFIG"));
      givenBy = "from HOOKLINE_CONFIG";
    }
    JsonObject json = ConfigLoader.load(chosen, givenBy, env);
    return new Loaded(json, HooklineConfig.from(json, env));
  }

  record Loaded(JsonObject json, HooklineConfig config) {
  }
}
