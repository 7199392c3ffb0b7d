package dev.hookline.config;

/** Configuration that cannot run; the message names every offending key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
