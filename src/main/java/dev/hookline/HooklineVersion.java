package dev.hookline;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * This build's version. It comes from {@code hookline-version.properties}, which Maven fills in from
 * the pom: unlike the manifest's Implementation-Version, that resource is there both in the jar and
 * on a test classpath of plain directories.
 */
public final class HooklineVersion {
  private static final String RESOURCE = "hookline-version.properties";
  private static final String UNKNOWN = "unknown";
  private static final String VERSION = read();

  private HooklineVersion() {
  }

  /** E.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} if the resource is missing or was never filtered. */
  public static String current() {
    return VERSION;
  }

  /** What Hookline sends receivers as {@code User-Agent}: {@code Hookline/<version>}. */
  public static String userAgent() {
    return "Hookline/" + VERSION;
  }

  private static String read() {
    try (InputStream in = HooklineVersion.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return UNKNOWN;
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "").trim();
      return version.isEmpty() || version.contains("${") ? UNKNOWN : version;
    } catch (IOException e) {
      return UNKNOWN;
    }
  }
}
