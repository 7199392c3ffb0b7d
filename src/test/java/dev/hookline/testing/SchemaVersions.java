package dev.hookline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The schema versions this build's migrations bring a database to, read from the migration files,
 * so a test that checks "migrated to the latest" does not need editing with every new migration.
 */
public final class SchemaVersions {
  private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");
  private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.*\\.sql");

  private SchemaVersions() {
  }

  /** Every version, in order, as Flyway writes them ("1", "2", ...). */
  public static List<String> all() {
    try (Stream<Path> files = Files.list(MIGRATIONS)) {
      return files.map(f -> VERSIONED.matcher(f.getFileName().toString()))
          .filter(Matcher::matches)
          .map(m -> Integer.parseInt(m.group(1)))
          .sorted()
          .map(String::valueOf)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String latest() {
    List<String> all = all();
    return all.get(all.size() - 1);
  }
}
