package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.domain.InvalidRequestException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PayloadFreezerTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-15T12:00:00Z"), ZoneOffset.UTC);
  private static final int LARGE = 1_000_000;

  private static PayloadFreezer freezer(int maxBytes) {
    return new PayloadFreezer(new TemplateRenderer(CLOCK), maxBytes);
  }

  private static JsonObject contextWithDisposition(Object disposition) {
    return new JsonObject().put("workflow_run_id", 9)
        .put("gathered_context", new JsonObject().put("call_disposition", disposition));
  }

  private static int utf8Bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void objectTemplateGetsDispositionFromGatheredContext() {
    String body = freezer(LARGE).freeze(new JsonObject().put("event", "done"), contextWithDisposition("user_hangup"));

    assertThat(new JsonObject(body).getString("call_disposition")).isEqualTo("user_hangup");
  }

  @Test
  void dispositionIsEmptyWhenGatheredContextIsAbsent() {
    String body = freezer(LARGE).freeze(new JsonObject().put("event", "done"), new JsonObject().put("workflow_run_id", 9));

    assertThat(body).isEqualTo("{\"event\":\"done\",\"call_disposition\":\"\"}");
  }

  @Test
  void dispositionIsEmptyWhenGatheredContextLacksTheKey() {
    JsonObject context = new JsonObject().put("gathered_context", new JsonObject().put("other", "x"));

    String body = freezer(LARGE).freeze(new JsonObject().put("event", "done"), context);

    assertThat(body).isEqualTo("{\"event\":\"done\",\"call_disposition\":\"\"}");
  }

  @Test
  void dispositionIsEmptyWhenGatheredValueIsNull() {
    JsonObject context = new JsonObject().put("gathered_context", new JsonObject().putNull("call_disposition"));

    String body = freezer(LARGE).freeze(new JsonObject().put("event", "done"), context);

    assertThat(body).isEqualTo("{\"event\":\"done\",\"call_disposition\":\"\"}");
  }

  @Test
  void dispositionIsEmptyWhenGatheredContextIsNotAnObject() {
    JsonObject context = new JsonObject().put("gathered_context", "user_hangup");

    String body = freezer(LARGE).freeze(new JsonObject().put("event", "done"), context);

    assertThat(body).isEqualTo("{\"event\":\"done\",\"call_disposition\":\"\"}");
  }

  @Test
  void templateDispositionIsKeptEvenWhenEmpty() {
    JsonObject template = new JsonObject().put("call_disposition", "").put("event", "done");

    String body = freezer(LARGE).freeze(template, contextWithDisposition("user_hangup"));

    assertThat(body).isEqualTo("{\"call_disposition\":\"\",\"event\":\"done\"}");
  }

  @Test
  void templateDispositionIsKeptWhenSetByPlaceholder() {
    JsonObject template = new JsonObject().put("call_disposition", "{{ outcome }}");
    JsonObject context = contextWithDisposition("user_hangup").put("outcome", "voicemail");

    String body = freezer(LARGE).freeze(template, context);

    assertThat(body).isEqualTo("{\"call_disposition\":\"voicemail\"}");
  }

  @Test
  void arrayPayloadIsNotGivenADisposition() {
    JsonArray template = new JsonArray().add("{{ workflow_run_id }}").add("x");

    String body = freezer(LARGE).freeze(template, contextWithDisposition("user_hangup"));

    assertThat(body).isEqualTo("[\"9\",\"x\"]");
  }

  @Test
  void stringPayloadIsNotGivenADisposition() {
    String body = freezer(LARGE).freeze("run {{ workflow_run_id }}", contextWithDisposition("user_hangup"));

    assertThat(body).isEqualTo("\"run 9\"");
  }

  @Test
  void nullTemplateRendersAsJustTheDisposition() {
    String body = freezer(LARGE).freeze(null, contextWithDisposition("user_hangup"));

    assertThat(body).isEqualTo("{\"call_disposition\":\"user_hangup\"}");
  }

  @Test
  void outputIsCompactWithTemplateOrderAndDispositionLast() {
    JsonObject template = new JsonObject().put("event", "call_done").put("run", "{{workflow_run_id}}");

    String body = freezer(LARGE).freeze(template, contextWithDisposition("user_hangup"));

    assertThat(body).isEqualTo("{\"event\":\"call_done\",\"run\":\"9\",\"call_disposition\":\"user_hangup\"}");
  }

  @Test
  void templateIsNotMutated() {
    JsonObject template = new JsonObject().put("event", "call_done").put("run", "{{workflow_run_id}}")
        .put("nested", new JsonObject().put("a", "{{workflow_run_id}}"));
    JsonObject before = template.copy();

    freezer(LARGE).freeze(template, contextWithDisposition("user_hangup"));

    assertThat(template).isEqualTo(before);
    assertThat(template.containsKey("call_disposition")).isFalse();
  }

  @Test
  void payloadOverTheLimitIsRejectedNamingSizeAndLimit() {
    JsonObject template = new JsonObject().put("data", "x".repeat(100));
    String body = freezer(LARGE).freeze(template, new JsonObject());
    int size = utf8Bytes(body);

    assertThatThrownBy(() -> freezer(size - 1).freeze(template, new JsonObject()))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("webhook.payloadTemplate");
          assertThat(e.getMessage()).contains(Integer.toString(size)).contains(Integer.toString(size - 1));
        });
  }

  @Test
  void payloadOfExactlyTheLimitIsAccepted() {
    JsonObject template = new JsonObject().put("data", "x".repeat(100));
    String body = freezer(LARGE).freeze(template, new JsonObject());

    assertThat(freezer(utf8Bytes(body)).freeze(template, new JsonObject())).isEqualTo(body);
  }

  @Test
  void limitCountsUtf8BytesNotCharacters() {
    JsonObject template = new JsonObject().put("data", "é€😀".repeat(10));
    String body = freezer(LARGE).freeze(template, new JsonObject());
    int bytes = utf8Bytes(body);
    assertThat(bytes).isGreaterThan(body.length());

    assertThat(freezer(bytes).freeze(template, new JsonObject())).isEqualTo(body);
    assertThatThrownBy(() -> freezer(bytes - 1).freeze(template, new JsonObject()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(bytes + " bytes");
    assertThatThrownBy(() -> freezer(body.length()).freeze(template, new JsonObject()))
        .isInstanceOf(InvalidRequestException.class);
  }
}
