package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.credentials.AuthHeader;
import dev.hookline.credentials.Credential;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.CustomHeader;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundRequestsTest {

  private static final UUID DELIVERY_UUID = UUID.fromString("0b6c1f9e-3a47-4c52-9d0e-7f2a1b3c4d5e");
  private static final String PAYLOAD = "{\"event\":\"call_done\",\"name\":\"Zoë\"}";
  private static final List<CustomHeader> CUSTOM =
      List.of(new CustomHeader("X-Source", "workflow"), new CustomHeader("X-Idempotency-Key", "abc"));

  private static ClaimedDelivery delivery(String method, List<CustomHeader> headers) {
    return new ClaimedDelivery(11L, DELIVERY_UUID, 3L, 4242L, "https://crm.example.com/hooks", method, PAYLOAD,
        headers, null, 2, 2, 5, "https://crm.example.com");
  }

  private static final String USER_AGENT = "Hookline/9.8.7";

  private final OutboundRequests requests = new OutboundRequests("X-Dograh", USER_AGENT);

  @Test
  void postCarriesJsonContentTypeCustomHeadersIdsAndPayload() {
    OutboundRequest request = requests.build(delivery("POST", CUSTOM), Optional.empty());

    assertThat(request.method()).isEqualTo(HttpMethod.POST);
    assertThat(request.url()).isEqualTo("https://crm.example.com/hooks");
    assertThat(request.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(request.headers().get("X-Source")).isEqualTo("workflow");
    assertThat(request.headers().get("X-Idempotency-Key")).isEqualTo("abc");
    assertThat(request.headers().get("X-Dograh-Delivery-Id")).isEqualTo(DELIVERY_UUID.toString());
    assertThat(request.headers().get("X-Dograh-Workflow-Run-Id")).isEqualTo("4242");
    assertThat(request.headers().get("X-Dograh-Delivery-Attempt")).isEqualTo("2");
    assertThat(request.body()).isNotNull();
    assertThat(request.body().getBytes()).isEqualTo(PAYLOAD.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "DELETE"})
  void getAndDeleteSendNoBody(String method) {
    OutboundRequest request = requests.build(delivery(method, CUSTOM), Optional.empty());

    assertThat(request.method()).isEqualTo(HttpMethod.valueOf(method));
    assertThat(request.body()).isNull();
    assertThat(request.headers().get("X-Dograh-Delivery-Id")).isEqualTo(DELIVERY_UUID.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"PUT", "PATCH"})
  void putAndPatchSendThePayload(String method) {
    OutboundRequest request = requests.build(delivery(method, CUSTOM), Optional.empty());

    assertThat(request.method()).isEqualTo(HttpMethod.valueOf(method));
    assertThat(request.body()).isNotNull();
    assertThat(request.body().toString(StandardCharsets.UTF_8)).isEqualTo(PAYLOAD);
  }

  @Test
  void credentialHeaderIsAdded() {
    OutboundRequest request =
        requests.build(delivery("POST", CUSTOM), Optional.of(Credential.header(new AuthHeader("Authorization", "Bearer x"))));

    assertThat(request.headers().getAll("Authorization")).containsExactly("Bearer x");
  }

  @Test
  void noCredentialMeansNoAuthorizationHeader() {
    OutboundRequest request = requests.build(delivery("POST", CUSTOM), Optional.empty());

    assertThat(request.headers().contains("Authorization")).isFalse();
  }

  @Test
  void customHeaderCannotOverrideTheStableIds() {
    List<CustomHeader> spoofing = List.of(
        new CustomHeader("X-Dograh-Delivery-Id", "spoofed"),
        new CustomHeader("x-dograh-workflow-run-id", "1"),
        new CustomHeader("X-DOGRAH-DELIVERY-ATTEMPT", "99"));

    OutboundRequest request = requests.build(delivery("POST", spoofing), Optional.empty());

    assertThat(request.headers().getAll("X-Dograh-Delivery-Id")).containsExactly(DELIVERY_UUID.toString());
    assertThat(request.headers().getAll("X-Dograh-Workflow-Run-Id")).containsExactly("4242");
    assertThat(request.headers().getAll("X-Dograh-Delivery-Attempt")).containsExactly("2");
  }

  @Test
  void credentialCannotOverrideTheStableIds() {
    OutboundRequest request = requests.build(delivery("POST", CUSTOM),
        Optional.of(Credential.header(new AuthHeader("X-Dograh-Delivery-Id", "spoofed"))));

    assertThat(request.headers().getAll("X-Dograh-Delivery-Id")).containsExactly(DELIVERY_UUID.toString());
  }

  @Test
  void customPrefixRenamesTheIdHeaders() {
    OutboundRequests hook = new OutboundRequests("X-Hook", USER_AGENT);

    OutboundRequest request = hook.build(delivery("POST", CUSTOM), Optional.empty());

    assertThat(hook.deliveryIdHeader()).isEqualTo("X-Hook-Delivery-Id");
    assertThat(hook.workflowRunIdHeader()).isEqualTo("X-Hook-Workflow-Run-Id");
    assertThat(hook.attemptHeader()).isEqualTo("X-Hook-Delivery-Attempt");
    assertThat(request.headers().get("X-Hook-Delivery-Id")).isEqualTo(DELIVERY_UUID.toString());
    assertThat(request.headers().get("X-Hook-Workflow-Run-Id")).isEqualTo("4242");
    assertThat(request.headers().get("X-Hook-Delivery-Attempt")).isEqualTo("2");
    assertThat(request.headers().contains("X-Dograh-Delivery-Id")).isFalse();
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void everyRequestCarriesHooklinesUserAgent() {
    for (String method : List.of("POST", "GET")) {
      OutboundRequest request = requests.build(delivery(method, CUSTOM), Optional.empty());

      assertThat(request.headers().getAll("User-Agent")).as(method).containsExactly(USER_AGENT);
    }
  }

  /** As with Content-Type, the delivery's own header wins: some receivers admit only the agent they expect. */
  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void aUserAgentTheDeliverySetsReplacesHooklines() {
    OutboundRequest request = requests.build(delivery("POST", List.of(new CustomHeader("user-agent", "Acme-CRM-Bridge"))),
        Optional.empty());

    assertThat(request.headers().getAll("User-Agent")).containsExactly("Acme-CRM-Bridge");
  }
}
