package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hookline.domain.InvalidRequestException;
import dev.hookline.security.AddressPolicy;
import dev.hookline.testing.IntakeHarness;
import dev.hookline.testing.Messages;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A test send's body is the create body with the run and node optional; everything else is checked as for a create. */
@Timeout(10)
class TestSendParsingTest {
  private static final String URL = "https://crm.example.com/hooks/calls";
  private static final CreateRequestParser PARSER =
      new CreateRequestParser(AddressPolicy.withAllowedNetworks(List.of()), "X-Dograh", IntakeHarness.SEED_RETRY);

  @Test
  void runAndNodeMayBeLeftOutOfATestButNotOutOfACreate() {
    JsonObject body = Messages.create(7, 9, "node-1", URL);
    body.remove("workflowRunId");
    body.remove("webhookNodeId");

    CreateRequest request = PARSER.parseTest(body);

    assertThat(request.workflowRunId()).isZero();
    assertThat(request.webhookNodeId()).isNull();
    assertThat(request.endpointUrl()).isEqualTo(URL);
    assertThat(catchThrowableOfType(InvalidRequestException.class, () -> PARSER.parse(body)).field())
        .isEqualTo("workflowRunId");
  }

  @Test
  void aRunOrNodeThatIsGivenIsCheckedAsForACreate() {
    JsonObject badRun = Messages.create(7, 9, "node-1", URL).put("workflowRunId", "9");
    JsonObject badNode = Messages.create(7, 9, "node-1", URL).put("webhookNodeId", " ");

    assertThat(catchThrowableOfType(InvalidRequestException.class, () -> PARSER.parseTest(badRun)).field())
        .isEqualTo("workflowRunId");
    assertThat(catchThrowableOfType(InvalidRequestException.class, () -> PARSER.parseTest(badNode)).field())
        .isEqualTo("webhookNodeId");
  }

  @Test
  void aDisabledWebhookIsStillReadForATestSoItCanBeTriedBeforeItIsEnabled() {
    JsonObject body = Messages.create(7, 9, "node-1", URL);
    body.getJsonObject("webhook").put("enabled", false);

    CreateRequest request = PARSER.parseTest(body);

    assertThat(request.endpointUrl()).isEqualTo(URL);
    assertThat(request.httpMethod()).isEqualTo("POST");
    body.getJsonObject("webhook").put("endpointUrl", "ftp://crm.example.com/");
    assertThat(catchThrowableOfType(InvalidRequestException.class, () -> PARSER.parseTest(body)).field())
        .isEqualTo("webhook.endpointUrl");
  }
}
