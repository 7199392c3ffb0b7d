package dev.hookline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.CliRun;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What embedded mode prints and refuses; {@code EmbeddedModeIT} runs the real servers from the jar. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmbeddedModeTest {

  @Test
  void withTheDefaultReceiverPortTheCurlPostsTheExampleFileAsItIs() {
    assertThat(EmbeddedMode.curl("http://127.0.0.1:8080", false, "http://127.0.0.1:8090/hooks"))
        .isEqualTo("curl -sS -w '\\n' -H 'Content-Type: application/json' -d @examples/create.json"
            + " http://127.0.0.1:8080/v1/deliveries");
  }

  @Test
  void anotherReceiverPortIsWrittenIntoTheExampleOnTheWay() {
    assertThat(EmbeddedMode.curl("http://127.0.0.1:18080", false, "http://127.0.0.1:41234/hooks"))
        .isEqualTo("sed 's#http://127.0.0.1:8090/hooks#http://127.0.0.1:41234/hooks#' examples/create.json"
            + " | curl -sS -w '\\n' -H 'Content-Type: application/json' -d @- http://127.0.0.1:18080/v1/deliveries");
  }

  @Test
  void withApiTokensConfiguredTheCurlSendsOneWithoutPrintingIt() {
    assertThat(EmbeddedMode.curl("http://127.0.0.1:8080", true, "http://127.0.0.1:8090/hooks"))
        .contains("-H \"Authorization: Bearer $TOKEN\"");
  }

  @Test
  void theCurlReachesAnApiBoundToEveryAddressOverLoopback() {
    assertThat(EmbeddedMode.clientHost("0.0.0.0")).isEqualTo("127.0.0.1");
    assertThat(EmbeddedMode.clientHost("::")).isEqualTo("[::1]");
    assertThat(EmbeddedMode.clientHost("::1")).isEqualTo("[::1]");
    assertThat(EmbeddedMode.clientHost("127.0.0.1")).isEqualTo("127.0.0.1");
  }

  @Test
  void theExampleCreateNamesTheDemoReceiverOnItsDefaultPort() throws IOException {
    JsonObject create = new JsonObject(Files.readString(Path.of("examples", "create.json")));

    assertThat(create.getJsonObject("webhook").getString("endpointUrl")).isEqualTo(EmbeddedMode.EXAMPLE_RECEIVER);
  }

  /** No silent switch: the embedded options without --embedded are a usage error, not ignored. */
  @Test
  void dataDirWithoutEmbeddedIsRefused() {
    CliRun run = CliRun.of("run", "--data-dir", "somewhere");

    assertThat(run.exit()).as("%s", run).isEqualTo(HooklineCli.USAGE);
    assertThat(run.err()).contains("--data-dir and --receiver-port apply only with --embedded");
  }

  @Test
  void runHelpListsTheEmbeddedOptions() {
    CliRun run = CliRun.of("run", "--help");

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("--embedded", "--data-dir", "--receiver-port");
  }
}
