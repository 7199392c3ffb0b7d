package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Messages;
import dev.hookline.testing.PumpProbe;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The send-time SSRF guard inside a running Hookline: every DNS answer is vetted, a refused one dead-letters the
 * delivery without contacting anything, and the connection is pinned to the vetted address so a DNS answer that
 * changes afterwards (rebinding) is never used. DNS is scripted; nothing here resolves real names.
 */
@ExtendWith(VertxExtension.class)
class DestinationGuardTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(15);

  private TestInfra infra;
  private Receiver receiver;
  private ScriptedResolver resolver;
  private Hookline hookline;

  @BeforeEach
  void setUp(Vertx vertx) {
    infra = DATABASE.infra();
    receiver = Receiver.start(vertx);
    resolver = new ScriptedResolver();
  }

  @AfterEach
  void tearDown() {
    try {
      if (hookline != null) {
        hookline.stop().await();
      }
    } finally {
      receiver.close();
    }
  }

  private void start(Vertx vertx, JsonArray allowedNetworks, JsonObject deliveryOverrides) {
    JsonObject config = infra.config();
    config.getJsonObject("security").put("allowedNetworks", allowedNetworks);
    config.getJsonObject("delivery").mergeIn(deliveryOverrides);
    hookline = Hookline.start(vertx, config, null, resolver).await();
  }

  /**
   * Proves the pumps had their chance to make any further attempt: a probe due now, to a name that
   * resolves to a refused address (so it contacts nothing), has been attempted.
   */
  private void awaitAPumpPass() {
    resolver.answer("pump-probe.test", List.of(v4(10, 0, 0, 1)));
    PumpProbe.awaitAPass(infra, hookline.queue(), "http://pump-probe.test:" + receiverPort() + "/probe", Duration.ZERO);
  }

  private int receiverPort() {
    String url = receiver.url("/");
    return Integer.parseInt(url.substring("http://127.0.0.1:".length(), url.length() - 1));
  }

  private long create(Vertx vertx, JsonObject message) {
    JsonObject reply = Messages.send(vertx, message);
    assertThat(reply.getString("status")).as(reply.encode()).isEqualTo("created");
    return reply.getLong("deliveryId");
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, last_status_code, last_error FROM webhook_deliveries WHERE id = ?",
        id).get(0);
  }

  private void awaitStatus(long id, String expected) {
    Await.until("delivery " + id + " to be " + expected, WAIT, () -> expected.equals(row(id).get(0)),
        () -> "row: " + row(id));
  }

  /** One row of the refusal table: the DNS answers for a name, the refused one, and the reason it should give. */
  private record Refusal(String label, List<InetAddress> answers, InetAddress refused, String reason) {
  }

  private static Refusal refusal(String label, String reason, InetAddress... answers) {
    return new Refusal(label, List.of(answers), answers[answers.length - 1], reason);
  }

  private static List<Refusal> refusals() {
    return List.of(
        refusal("127.0.0.1", "loopback", v4(127, 0, 0, 1)),
        refusal("10.0.0.1", "private", v4(10, 0, 0, 1)),
        refusal("172.16.0.1", "private", v4(172, 16, 0, 1)),
        refusal("192.168.1.1", "private", v4(192, 168, 1, 1)),
        refusal("100.64.0.1", "carrier-grade NAT", v4(100, 64, 0, 1)),
        refusal("169.254.169.254", "link-local", v4(169, 254, 169, 254)),
        refusal("0.0.0.0", "this network", v4(0, 0, 0, 0)),
        refusal("224.0.0.1", "multicast", v4(224, 0, 0, 1)),
        refusal("240.0.0.1", "reserved", v4(240, 0, 0, 1)),
        refusal("198.18.0.1", "reserved", v4(198, 18, 0, 1)),
        refusal("::1", "loopback", v6(0, 0, 0, 0, 0, 0, 0, 1)),
        refusal("::", "unspecified", v6(0, 0, 0, 0, 0, 0, 0, 0)),
        refusal("fc00::1", "unique local", v6(0xfc00, 0, 0, 0, 0, 0, 0, 1)),
        refusal("fd12::1", "unique local", v6(0xfd12, 0, 0, 0, 0, 0, 0, 1)),
        refusal("fe80::1", "link-local", v6(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
        refusal("ff02::1", "multicast", v6(0xff02, 0, 0, 0, 0, 0, 0, 1)),
        refusal("::ffff:127.0.0.1", "IPv4-mapped loopback", v6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001)),
        refusal("::7f00:1", "IPv4-compatible loopback", v6(0, 0, 0, 0, 0, 0, 0x7f00, 0x0001)),
        refusal("64:ff9b::a9fe:a9fe", "NAT64 link-local", v6(0x64, 0xff9b, 0, 0, 0, 0, 0xa9fe, 0xa9fe)),
        refusal("2002:a00:1::", "6to4 private", v6(0x2002, 0x0a00, 0x0001, 0, 0, 0, 0, 0)),
        refusal("8.8.8.8 + 10.0.0.1", "private", v4(8, 8, 8, 8), v4(10, 0, 0, 1)));
  }

  /** The send-time guard: each name passed at create, then its answer changed (rebinding, or a record edited). */
  @Test
  void everyRefusedAnswerAtSendTimeDeadLettersTheFirstAttemptWithoutContactingAnything(Vertx vertx) {
    start(vertx, new JsonArray(), new JsonObject());
    int port = receiverPort();
    List<Refusal> table = refusals();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < table.size(); i++) {
      String name = "name-" + i + ".test";
      resolver.answers(name, List.of(v4(8, 8, 4, 4)), table.get(i).answers());
      ids.add(create(vertx, Messages.create(7, 100 + i, "node-1", "http://" + name + ":" + port + "/hook")));
    }

    for (long id : ids) {
      Await.until("delivery " + id + " to be finished", WAIT, () -> !"pending".equals(row(id).get(0)),
          () -> "row: " + row(id));
    }
    awaitAPumpPass();

    // One line per row, expected against actual, so a failure shows every case that went wrong at once.
    List<String> expected = new ArrayList<>();
    List<String> actual = new ArrayList<>();
    for (int i = 0; i < table.size(); i++) {
      Refusal refusal = table.get(i);
      String name = "name-" + i + ".test";
      String naming = name + " resolves to " + refusal.refused().getHostAddress() + " (" + refusal.reason() + ")";
      List<Object> row = row(ids.get(i));
      String error = (String) row.get(3);
      boolean errorOk = error != null && error.startsWith("blocked_destination") && error.contains(naming);
      expected.add(refusal.label() + ": dead_letter, attempts 1, HTTP status null, blocked_destination naming ["
          + naming + "], resolver calls 2");
      actual.add(refusal.label() + ": " + row.get(0) + ", attempts " + row.get(1) + ", HTTP status " + row.get(2)
          + ", " + (errorOk ? "blocked_destination naming [" + naming + "]" : "last_error [" + error + "]")
          + ", resolver calls " + resolver.calls(name));
    }
    assertThat(actual).containsExactlyElementsOf(expected);
    assertThat(receiver.requests()).as("requests that reached the receiver").isEmpty();
  }

  @Test
  void theConnectionIsPinnedToTheVettedAddressSoALaterAnswerIsNeverUsed(Vertx vertx) {
    start(vertx, new JsonArray().add("127.0.0.1/32"), new JsonObject());
    int port = receiverPort();
    // Both creates and the first send see loopback; the second send sees the rebound answer.
    List<InetAddress> loopback = List.of(v4(127, 0, 0, 1));
    resolver.answers("rebind.test", List.of(loopback, loopback, loopback, List.of(v4(10, 0, 0, 1))));
    String url = "http://rebind.test:" + port + "/pinned";

    long first = create(vertx, Messages.create(7, 9, "node-1", url));

    awaitStatus(first, "succeeded");
    assertThat(row(first)).containsExactly("succeeded", 1, 200, null);
    assertThat(receiver.requestsTo("/pinned")).singleElement()
        .satisfies(r -> assertThat(r.header("Host")).isEqualTo("rebind.test:" + port));
    // Once at create, once for the send. Had the HTTP client looked the name up itself it would have asked a
    // third time.
    assertThat(resolver.calls("rebind.test")).isEqualTo(2);

    long second = create(vertx, Messages.create(7, 10, "node-1", url));

    awaitStatus(second, "dead_letter");
    List<Object> row = row(second);
    assertThat(row.subList(0, 3)).containsExactly("dead_letter", 1, null);
    assertThat((String) row.get(3)).startsWith("blocked_destination")
        .contains("rebind.test resolves to 10.0.0.1 (private)");
    assertThat(resolver.calls("rebind.test")).isEqualTo(4);
    awaitAPumpPass();
    assertThat(receiver.requests()).hasSize(1);
  }

  /** Accepted at create too: DNS may be down for a moment, and each attempt looks the name up again. */
  @Test
  void anUnresolvableNameIsATransientFailureNotADeadLetter(Vertx vertx) {
    start(vertx, new JsonArray(), new JsonObject().put("baseDelaySeconds", 30).put("maxDelaySeconds", 600));
    // "nowhere.test" is not scripted: the resolver fails with UnknownHostException.

    long id = create(vertx, Messages.create(7, 9, "node-1", "http://nowhere.test:" + receiverPort() + "/hook"));

    Await.until("the first attempt to be recorded", WAIT, () -> row(id).get(3) != null, () -> "row: " + row(id));
    List<Object> row = row(id);
    assertThat(row.subList(0, 3)).containsExactly("pending", 1, null);
    assertThat((String) row.get(3)).startsWith("connection_error").contains("UnknownHost")
        .doesNotContain("blocked_destination");
    assertThat(infra.sql("SELECT attempt, outcome, error_class FROM webhook_delivery_attempts WHERE delivery_id = ?",
        id)).containsExactly(List.of(1, "retry", UnknownHostException.class.getName()));
    assertThat(resolver.calls("nowhere.test")).as("at create and for the attempt").isEqualTo(2);
    assertThat(receiver.requests()).isEmpty();
  }

  private static final String OPERATOR_TOKEN = "operator-token-for-guard-tests";
  private static final String ALLOW = " to security.allowedNetworks (HOOKLINE_SECURITY_ALLOWED_NETWORKS, comma-separated)";

  @Test
  @Timeout(60)
  void aNameThatResolvesToARefusedAddressIsRefusedAtCreateSayingHowToAllowIt(Vertx vertx) {
    start(vertx, new JsonArray(), new JsonObject());
    resolver.answer("inner.test", List.of(v4(8, 8, 8, 8), v4(10, 1, 2, 3)));

    ReplyException refused = Messages.sendExpectingFailure(vertx,
        Messages.create(7, 9, "node-1", "http://inner.test:" + receiverPort() + "/hook?token=s3cret"));

    assertThat(refused.failureCode()).isEqualTo(400);
    assertThat(refused.getMessage()).isEqualTo("webhook.endpointUrl: blocked destination: inner.test resolves to"
        + " 10.1.2.3 (private); to allow it, add 10.1.2.3/32 (or all of 10.0.0.0/8)" + ALLOW);
    assertThat(infra.count("true")).as("rows stored").isZero();
    assertThat(resolver.calls("inner.test")).isEqualTo(1);
    assertThat(receiver.requests()).isEmpty();
  }

  @Test
  @Timeout(60)
  void theApiRefusesALoopbackReceiverAndANameInAPrivateRangeSayingHowToAllowThem(Vertx vertx) {
    JsonObject config = infra.config();
    config.getJsonObject("security").put("allowedNetworks", new JsonArray());
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(OPERATOR_TOKEN));
    hookline = Hookline.start(vertx, config, null, resolver).await();
    resolver.answer("lan.test", List.of(v4(192, 168, 1, 20)));
    int port = receiverPort();

    try (ApiClient api = new ApiClient(vertx, hookline, OPERATOR_TOKEN)) {
      HttpResponse<Buffer> literal = api.post("/v1/deliveries",
          Messages.create(7, 9, "node-1", "http://127.0.0.1:" + port + "/hook"));
      ApiClient.assertError(literal, 400, "webhook.endpointUrl");
      assertThat(literal.bodyAsJsonObject().getString("error")).isEqualTo("webhook.endpointUrl: blocked destination"
          + " 127.0.0.1 (loopback); to allow it, add 127.0.0.1/32 (or all of 127.0.0.0/8)" + ALLOW);

      HttpResponse<Buffer> named = api.post("/v1/deliveries",
          Messages.create(7, 10, "node-1", "http://lan.test:" + port + "/hook"));
      ApiClient.assertError(named, 400, "webhook.endpointUrl");
      assertThat(named.bodyAsJsonObject().getString("error")).isEqualTo("webhook.endpointUrl: blocked destination:"
          + " lan.test resolves to 192.168.1.20 (private); to allow it, add 192.168.1.20/32 (or all of"
          + " 192.168.0.0/16)" + ALLOW);
    }
    assertThat(infra.count("true")).as("rows stored").isZero();
  }

  @Test
  @Timeout(60)
  void aBatchRefusesOnlyTheItemWhoseNameResolvesToARefusedAddress(Vertx vertx) {
    JsonObject config = infra.config();
    config.getJsonObject("security").put("allowedNetworks", new JsonArray().add("127.0.0.0/8"));
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(OPERATOR_TOKEN));
    hookline = Hookline.start(vertx, config, null, resolver).await();
    resolver.answer("good.test", List.of(v4(127, 0, 0, 1)));
    resolver.answer("metadata.test", List.of(v4(169, 254, 169, 254)));
    int port = receiverPort();
    JsonArray batch = new JsonArray()
        .add(Messages.create(7, 9, "node-1", "http://good.test:" + port + "/a"))
        .add(Messages.create(7, 9, "node-2", "http://metadata.test:" + port + "/b"))
        .add(Messages.create(7, 9, "node-3", "http://good.test:" + port + "/c"));

    JsonArray items;
    try (ApiClient api = new ApiClient(vertx, hookline, OPERATOR_TOKEN)) {
      HttpResponse<Buffer> response = api.request(HttpMethod.POST, "/v1/deliveries/batch").sendJson(batch).await();
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      items = response.bodyAsJsonArray();
    }

    assertThat(items.getJsonObject(0).getString("status")).isEqualTo("created");
    assertThat(items.getJsonObject(2).getString("status")).isEqualTo("created");
    JsonObject refused = items.getJsonObject(1);
    assertThat(refused.getString("status")).isEqualTo("failed");
    assertThat(refused.getInteger("code")).isEqualTo(400);
    assertThat(refused.getString("field")).isEqualTo("webhook.endpointUrl");
    assertThat(refused.getString("error")).isEqualTo("webhook.endpointUrl: blocked destination: metadata.test"
        + " resolves to 169.254.169.254 (link-local); to allow it, add 169.254.169.254/32 (or all of 169.254.0.0/16)"
        + ALLOW);
    assertThat(infra.sql("SELECT webhook_node_id FROM webhook_deliveries ORDER BY webhook_node_id"))
        .containsExactly(List.of("node-1"), List.of("node-3"));
    Await.until("both good items delivered", WAIT, () -> receiver.requests().size() == 2);
    assertThat(resolver.calls("good.test")).as("once for the whole batch, then once per send").isEqualTo(3);
  }

  private static InetAddress v4(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress("v4-" + a + "." + b + "." + c + "." + d,
          new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Eight 16-bit groups; built from bytes, so ::ffff:a.b.c.d stays an Inet6Address. */
  private static InetAddress v6(int... groups) {
    byte[] bytes = new byte[16];
    for (int i = 0; i < 8; i++) {
      bytes[2 * i] = (byte) (groups[i] >>> 8);
      bytes[2 * i + 1] = (byte) groups[i];
    }
    try {
      return Inet6Address.getByAddress(null, bytes, null);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Scripted DNS: each name answers with the lists it was given, one per call in order, the last one on every
   * later call; an unscripted name fails with UnknownHostException. Counts calls per name. A create looks a
   * name up once and each attempt once more.
   */
  static final class ScriptedResolver implements HostResolver {
    private final Map<String, List<List<InetAddress>>> scripts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    void answer(String name, List<InetAddress> addresses) {
      answers(name, List.of(addresses));
    }

    void answers(String name, List<InetAddress> onFirstCall, List<InetAddress> onLaterCalls) {
      answers(name, List.of(onFirstCall, onLaterCalls));
    }

    void answers(String name, List<List<InetAddress>> byCall) {
      scripts.put(name, byCall.stream().map(List::copyOf).toList());
    }

    int calls(String name) {
      AtomicInteger count = calls.get(name);
      return count == null ? 0 : count.get();
    }

    @Override
    public Future<List<InetAddress>> resolve(String host) {
      int call = calls.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
      List<List<InetAddress>> script = scripts.get(host);
      if (script == null) {
        return Future.failedFuture(new UnknownHostException(host));
      }
      return Future.succeededFuture(script.get(Math.min(call, script.size()) - 1));
    }
  }
}
