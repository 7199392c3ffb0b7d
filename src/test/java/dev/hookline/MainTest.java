package dev.hookline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {

  private static Path configFile(Map<String, String> env, String... args) {
    return Main.configFile(args, env);
  }

  @Test
  void singleDashConfNamesTheFile() {
    assertThat(configFile(Map.of(), "-conf", "/etc/hookline.json")).isEqualTo(Path.of("/etc/hookline.json"));
  }

  @Test
  void doubleDashConfNamesTheFile() {
    assertThat(configFile(Map.of(), "--conf", "/etc/hookline.json")).isEqualTo(Path.of("/etc/hookline.json"));
  }

  @Test
  void doubleDashConfWithEqualsNamesTheFile() {
    assertThat(configFile(Map.of(), "--conf=/etc/hookline.json")).isEqualTo(Path.of("/etc/hookline.json"));
  }

  @Test
  void runCommandBeforeConfIsAccepted() {
    assertThat(configFile(Map.of(), "run", "-conf", "f")).isEqualTo(Path.of("f"));
  }

  @Test
  void runAloneFallsBackToTheEnvironment() {
    assertThat(configFile(Map.of("HOOKLINE_CONFIG", "/x"), "run")).isEqualTo(Path.of("/x"));
  }

  @Test
  void noArgumentsUsesHooklineConfigVariable() {
    assertThat(configFile(Map.of("HOOKLINE_CONFIG", "/x"))).isEqualTo(Path.of("/x"));
  }

  @Test
  void argumentBeatsTheEnvironment() {
    assertThat(configFile(Map.of("HOOKLINE_CONFIG", "/x"), "-conf", "/y")).isEqualTo(Path.of("/y"));
  }

  @Test
  void noArgumentsAndNoEnvironmentGivesNoFile() {
    assertThat(configFile(Map.of())).isNull();
  }

  @Test
  void blankHooklineConfigGivesNoFile() {
    assertThat(configFile(Map.of("HOOKLINE_CONFIG", "  "))).isNull();
  }

  @Test
  void confWithoutFileIsRefused() {
    assertThatThrownBy(() -> configFile(Map.of(), "-conf"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-conf");
  }

  @Test
  void unknownArgumentIsRefused() {
    assertThatThrownBy(() -> configFile(Map.of(), "--verbose"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--verbose");
  }

  @Test
  void unknownArgumentAfterConfIsRefused() {
    assertThatThrownBy(() -> configFile(Map.of(), "-conf", "f", "--verbose"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--verbose");
  }

  @Test
  void confEqualsWithoutFileIsRefused() {
    assertThatThrownBy(() -> configFile(Map.of(), "--conf="))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
