package dev.hookline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dependencies point down the flow: intake → store/queue → delivery; api, ops and cli on top;
 * domain, config, security and metrics at the bottom. Read from the imports of the main sources,
 * so a new upward import fails the build instead of waiting for a review.
 */
@Timeout(30)
class ArchitectureTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/hookline");
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.hookline\\.([a-z]+)\\.", Pattern.MULTILINE);

  /** What each package may import besides itself; the composition root and the CLI may import anything. */
  private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("domain", Set.of()),
      Map.entry("security", Set.of()),
      Map.entry("metrics", Set.of()),
      Map.entry("config", Set.of("domain", "security")),
      Map.entry("web", Set.of("domain")),
      Map.entry("store", Set.of("domain", "config", "security")),
      Map.entry("queue", Set.of("domain", "config")),
      Map.entry("credentials", Set.of("domain", "config", "security", "web")),
      Map.entry("events", Set.of("domain", "config", "metrics", "queue")),
      Map.entry("intake", Set.of("domain", "config", "security", "metrics", "store", "queue")),
      Map.entry("delivery", Set.of("domain", "config", "security", "metrics", "store", "queue", "credentials",
          "events")),
      Map.entry("sweep", Set.of("domain", "config", "metrics", "store", "queue", "events")),
      Map.entry("ops", Set.of("domain", "config", "security", "metrics", "store", "queue", "sweep", "events",
          "intake", "delivery")),
      // delivery: the console shows a delivery's request as the delivery package builds it, and its circuits.
      Map.entry("api", Set.of("domain", "config", "security", "metrics", "web", "store", "queue", "credentials",
          "intake", "ops", "delivery")),
      Map.entry("cli", Set.of("*")));

  @Test
  void noPackageImportsOneAboveIt() throws IOException {
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path relative = SOURCES.relativize(file);
        if (relative.getNameCount() == 1) {
          continue; // the composition root
        }
        String pkg = relative.getName(0).toString();
        Set<String> allowed = ALLOWED.get(pkg);
        assertThat(allowed).as("package %s has a place in the layers", pkg).isNotNull();
        Matcher imports = IMPORT.matcher(Files.readString(file));
        while (imports.find()) {
          String target = imports.group(1);
          if (!target.equals(pkg) && !allowed.contains("*") && !allowed.contains(target)) {
            violations.add(relative + " imports dev.hookline." + target);
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void onlyTheDeliveryPackageNamesTheDeliveryVerticle() throws IOException {
    List<String> naming = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path relative = SOURCES.relativize(file);
        boolean outside = relative.getNameCount() > 1 && !relative.getName(0).toString().equals("delivery");
        if (outside && Files.readString(file).contains("DeliveryVerticle")) {
          naming.add(relative.toString());
        }
      }
    }
    assertThat(naming).isEmpty();
  }
}
