package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.security.KeyRing;
import dev.hookline.store.PostgresPool;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.PomVersion;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The delivery semantics of the design, against a real receiver, Postgres and Redis. */
@ExtendWith(VertxExtension.class)
class DeliveryTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(15);

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Hookline hookline;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
  }

  @AfterEach
  void tearDown() {
    try {
      fixture.close();
    } finally {
      // The class shares one database: what refuseSuccessWrites added goes, however the test ended.
      infra.sql("DROP TRIGGER IF EXISTS refuse_success ON webhook_deliveries");
      infra.sql("DROP FUNCTION IF EXISTS refuse_success()");
    }
  }

  /**
   * Waits until the pumps have had their chance to send anything more: a probe due after the
   * longest backoff of the test config (0.2 s) has been attempted, so every retry scheduled before
   * it was popped and claimed first.
   */
  private void awaitAPumpPassPastTheLongestBackoff(Vertx vertx) {
    double longestBackoffSeconds = infra.config().getJsonObject("delivery").getDouble("maxDelaySeconds");
    fixture.awaitAPumpPass(vertx, Duration.ofMillis((long) (longestBackoffSeconds * 1_000)));
  }

  private void start(Vertx vertx, JsonObject deliveryOverrides) {
    hookline = fixture.start(vertx, deliveryOverrides);
  }

  private long create(Vertx vertx, JsonObject message) {
    JsonObject reply = Messages.send(vertx, message);
    assertThat(reply.getString("status")).isEqualTo("created");
    return reply.getLong("deliveryId");
  }

  private String status(long id) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, last_status_code, last_error, scheduled_for, updated_at,"
        + " delivery_uuid::text, payload FROM webhook_deliveries WHERE id = ?", id).get(0);
  }

  private void awaitStatus(long id, String expected) {
    Await.until("delivery " + id + " to be " + expected, WAIT, () -> expected.equals(status(id)),
        () -> "row: " + row(id));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void a2xxAnswerMarksTheDeliverySucceededAndCarriesTheStableHeaders(Vertx vertx) {
    // Often the JVM's first send: on a loaded machine its cold start alone can eat the 1 s test
    // timeout and turn the one attempt this test counts into two. Timeouts are tested elsewhere.
    start(vertx, new JsonObject().put("timeoutSeconds", 5.0).put("leaseSeconds", 8.0));
    receiver.behave(r -> Reply.status(204));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/hook")));

    awaitStatus(id, "succeeded");
    List<Object> row = row(id);
    assertThat(row.subList(0, 4)).containsExactly("succeeded", 1, 204, null);
    Receiver.Received request = receiver.requests().get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.body()).isEqualTo(row.get(7));
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    assertThat(request.header("X-Source")).isEqualTo("workflow");
    assertThat(request.header("X-Dograh-Delivery-Id")).isEqualTo(row.get(6));
    assertThat(request.header("X-Dograh-Workflow-Run-Id")).isEqualTo("9");
    assertThat(request.header("X-Dograh-Delivery-Attempt")).isEqualTo("1");
    assertThat(request.header("User-Agent")).isEqualTo("Hookline/" + PomVersion.read());
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void connectionRefusedSchedulesARetryAfterTheBackoffAndRequeuesIt(Vertx vertx) throws IOException {
    start(vertx, new JsonObject().put("baseDelaySeconds", 30).put("maxDelaySeconds", 600));

    long id = create(vertx, Messages.create(7, 9, "node-1", "http://127.0.0.1:" + freePort() + "/hook"));

    Await.until("the first attempt to be recorded", WAIT,
        () -> ((Number) row(id).get(1)).intValue() == 1 && row(id).get(3) != null);
    assertRetryAfterBackoff(id, Duration.ofSeconds(30), "connection_error");
  }

  @Test
  void aReceiverSlowerThanTheTimeoutIsRetried(Vertx vertx) {
    start(vertx, new JsonObject().put("baseDelaySeconds", 30).put("maxDelaySeconds", 600));
    receiver.behave(r -> Reply.delayed(200, 3_000));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/slow")));

    Await.until("the first attempt to be recorded", WAIT, () -> row(id).get(3) != null);
    assertRetryAfterBackoff(id, Duration.ofSeconds(30), "timeout");
  }

  @Test
  void a503IsRetriedWithTheStatusRecorded(Vertx vertx) {
    start(vertx, new JsonObject().put("baseDelaySeconds", 30).put("maxDelaySeconds", 600));
    receiver.behave(r -> Reply.status(503));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/busy")));

    Await.until("the first attempt to be recorded", WAIT, () -> row(id).get(2) != null);
    assertRetryAfterBackoff(id, Duration.ofSeconds(30), "HTTP 503");
    assertThat(row(id).get(2)).isEqualTo(503);
  }

  @Test
  void aRetryAfterInSecondsOnA503IsHonouredInsteadOfTheBackoff(Vertx vertx) {
    start(vertx, new JsonObject().put("baseDelaySeconds", 30).put("maxDelaySeconds", 600));
    receiver.behave(r -> new Reply(503, 0, false, Map.of("Retry-After", "7"), "busy"));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/busy")));

    Await.until("the first attempt to be recorded", WAIT, () -> row(id).get(2) != null);
    assertRetryAfterBackoff(id, Duration.ofSeconds(7), "HTTP 503");
  }

  @Test
  void aRetryAfterDateOnA429IsHonouredButNeverBeyondTheMaximumDelay(Vertx vertx) {
    start(vertx, new JsonObject().put("baseDelaySeconds", 30).put("maxDelaySeconds", 120));
    String inAnHour = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusHours(1));
    receiver.behave(r -> new Reply(429, 0, false, Map.of("Retry-After", inAnHour), "slow down"));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/busy")));

    Await.until("the first attempt to be recorded", WAIT, () -> row(id).get(2) != null);
    assertRetryAfterBackoff(id, Duration.ofSeconds(120), "HTTP 429");
  }

  private void assertRetryAfterBackoff(long id, Duration backoff, String errorStart) {
    List<Object> row = row(id);
    assertThat(row.get(0)).isEqualTo("pending");
    assertThat(row.get(1)).isEqualTo(1);
    assertThat((String) row.get(3)).startsWith(errorStart);
    long due = ((Timestamp) row.get(4)).getTime();
    long recordedAt = ((Timestamp) row.get(5)).getTime();
    assertThat(due - recordedAt).isBetween(backoff.toMillis() - 5, backoff.toMillis() + 5);
    // The retry is queued right after its outcome is written, so the score may land a moment later.
    Await.until("the retry to be queued", WAIT, () -> hookline.queue().scoreOf(id).await() != null);
    assertThat(hookline.queue().scoreOf(id).await()).isEqualTo(due);
  }

  @Test
  void a401IsDeadLetteredAtOnce(Vertx vertx) {
    start(vertx, new JsonObject());
    receiver.behave(r -> Reply.status(401));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/auth")));

    awaitStatus(id, "dead_letter");
    assertThat(row(id).subList(0, 4)).containsExactly("dead_letter", 1, 401, "HTTP 401");
    awaitAPumpPassPastTheLongestBackoff(vertx);
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void fiveTransientFailuresOfFiveEndInDeadLetter(Vertx vertx) {
    start(vertx, new JsonObject());
    receiver.behave(r -> Reply.status(500));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/down")));

    awaitStatus(id, "dead_letter");
    assertThat(row(id).subList(0, 3)).containsExactly("dead_letter", 5, 500);
    // A sweep can re-add an id popped but not yet claimed; the other verticle's claim then finds the
    // row leased and puts it back for that lease's end. Such a leftover is popped then and dropped:
    // the dead letter is never sent again.
    Await.until("the dead letter off the schedule", WAIT, () -> hookline.queue().scoreOf(id).await() == null);
    fixture.awaitAPumpPass(vertx, Duration.ZERO);
    assertThat(receiver.requests()).extracting(r -> r.header("X-Dograh-Delivery-Attempt"))
        .containsExactly("1", "2", "3", "4", "5");
  }

  @Test
  void aClaimThatMatchesNothingSendsNothing(Vertx vertx) {
    start(vertx, new JsonObject());
    String url = receiver.url("/never");
    long finished = insertRow(url, "succeeded", "now() - interval '1 minute'");
    long notDue = insertRow(url, "pending", "now() + interval '1 hour'");
    long exhausted = insertRow(url, "dead_letter", "now() - interval '1 minute'");

    long nowMillis = System.currentTimeMillis();
    for (long id : List.of(finished, notDue, exhausted)) {
      hookline.queue().enqueue(id, nowMillis - 1_000).await();
    }

    // The claim is done once the pending row that was not due yet is back on the schedule at its own due time.
    long due = ((Timestamp) row(notDue).get(4)).getTime();
    Await.until("the stale ids to be popped and claimed", WAIT, () -> hookline.queue().scoreOf(finished).await() == null
        && hookline.queue().scoreOf(exhausted).await() == null
        && Long.valueOf(due).equals(hookline.queue().scoreOf(notDue).await()),
        () -> "score of the row not due yet: " + hookline.queue().scoreOf(notDue).await() + ", its due time: " + due);
    awaitAPumpPassPastTheLongestBackoff(vertx);
    assertThat(receiver.requests()).isEmpty();
    assertThat(infra.sql("SELECT status, attempt_count FROM webhook_deliveries WHERE id IN (?, ?, ?) ORDER BY id",
        finished, notDue, exhausted))
        .containsExactly(List.of("succeeded", 0), List.of("pending", 0), List.of("dead_letter", 0));
    assertThat(hookline.queue().scoreOf(notDue).await()).isEqualTo(due);
  }

  private long insertRow(String url, String status, String scheduledFor) {
    return ((Number) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, status, max_attempts, scheduled_for)"
        + " VALUES (gen_random_uuid(), 1, ?, 'n', ?, 'POST', '{}', ?, 5, " + scheduledFor + ") RETURNING id",
        System.nanoTime(), url, status).get(0).get(0)).longValue();
  }

  private void refuseSuccessWrites() {
    // The recorded success is refused by the database, as if Postgres went away right after the send.
    infra.sql("CREATE FUNCTION refuse_success() RETURNS trigger LANGUAGE plpgsql AS"
        + " $$ BEGIN RAISE EXCEPTION 'injected: success write refused'; END $$");
    infra.sql("CREATE TRIGGER refuse_success BEFORE UPDATE ON webhook_deliveries FOR EACH ROW"
        + " WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION refuse_success()");
  }

  @Test
  void aSuccessWhoseWriteKeepsFailingStaysPendingAndIsSentAgainAfterTheLease(Vertx vertx) {
    start(vertx, new JsonObject().put("timeoutSeconds", 0.8).put("leaseSeconds", 1.2));
    refuseSuccessWrites();

    long id;
    try (LogCapture runner = LogCapture.of(AttemptRunner.class)) {
      id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/ok")));

      Await.until("the first send", WAIT, () -> receiver.requests().size() == 1);
      String refused = "delivery=" + id + " attempt=1 delivered but the success write failed";
      Await.until("attempt 1's success write to be refused", WAIT, () -> runner.messages().stream()
          .anyMatch(m -> m.startsWith(refused)), () -> "logged: " + runner.messages());
      assertThat(row(id).subList(0, 2)).containsExactly("pending", 1);
      // Attempt 1 goes on retrying its write past its lease; once the lease is over the row is
      // claimed again and sent as attempt 2, which fences attempt 1's write out.
      Await.until("the send after the lease", WAIT, () -> receiver.requests().size() == 2);
      infra.sql("DROP TRIGGER refuse_success ON webhook_deliveries");
      Await.until("attempt 1's write fenced out", WAIT, () -> runner.messages().stream()
          .anyMatch(m -> m.startsWith("attempt 1 of delivery=" + id + " was cancelled")), () -> "logged: "
          + runner.messages());
      assertThat(runner.messages()).as("a success is never given up on").noneMatch(m -> m.contains("could not be recorded"));
    }

    awaitStatus(id, "succeeded");
    List<Receiver.Received> sends = receiver.requests();
    assertThat(sends).hasSize(2);
    assertThat(sends).extracting(r -> r.header("X-Dograh-Delivery-Id")).containsOnly((String) row(id).get(6));
    assertThat(sends).extracting(r -> r.header("X-Dograh-Delivery-Attempt")).containsExactly("1", "2");
    assertThat(sends.get(1).body()).isEqualTo(sends.get(0).body());
    assertThat(row(id).subList(0, 2)).containsExactly("succeeded", 2);
  }

  @Test
  void aDeliveredFinalAttemptWhoseWriteFailsBrieflyIsRecordedWithoutAResend(Vertx vertx) {
    start(vertx, new JsonObject().put("maxAttempts", 1).put("timeoutSeconds", 1).put("leaseSeconds", 4));
    refuseSuccessWrites();

    long id;
    try (LogCapture runner = LogCapture.of(AttemptRunner.class)) {
      id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/ok")));
      Await.until("the send", WAIT, () -> receiver.requests().size() == 1);
      String refused = "delivery=" + id + " attempt=1 delivered but the success write failed";
      Await.until("the success write to be refused at least once", WAIT,
          () -> runner.messages().stream().anyMatch(m -> m.startsWith(refused)), () -> "logged: " + runner.messages());
    }
    infra.sql("DROP TRIGGER refuse_success ON webhook_deliveries");

    awaitStatus(id, "succeeded");
    assertThat(row(id).subList(0, 3)).containsExactly("succeeded", 1, 200);
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void theCredentialIsResolvedAtSendTimeSoARotationIsUsedOnTheNextAttempt(Vertx vertx) {
    start(vertx, new JsonObject().put("baseDelaySeconds", 1.0).put("maxDelaySeconds", 1.0));
    Pool pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 1);
    CredentialStore credentials = new CredentialStore(pool, KeyRing.parse(List.of(TestInfra.SECRET_KEY)));
    UUID credential = UUID.randomUUID();
    credentials.put(7, credential, "bearer_token", new JsonObject().put("token", "first-token")).await();
    AtomicInteger calls = new AtomicInteger();
    receiver.behave(r -> calls.incrementAndGet() == 1 ? Reply.status(503) : Reply.status(200));
    JsonObject message = Messages.create(7, 9, "node-1", receiver.url("/auth"));
    message.getJsonObject("webhook").put("credentialUuid", credential.toString());

    long id = create(vertx, message);
    Await.until("the first attempt", WAIT, () -> receiver.requests().size() == 1);
    credentials.put(7, credential, "bearer_token", new JsonObject().put("token", "rotated-token")).await();

    awaitStatus(id, "succeeded");
    pool.close().await();
    assertThat(receiver.requests()).extracting(r -> r.header("Authorization"))
        .containsExactly("Bearer first-token", "Bearer rotated-token");
    assertThat(infra.sql("SELECT count(*) FROM webhook_deliveries WHERE payload LIKE '%token%'"
        + " OR custom_headers::text LIKE '%token%'").get(0).get(0)).isEqualTo(0L);
  }

  @Test
  void aCredentialOfAnotherOrganizationOrAMissingOneIsNotSent(Vertx vertx) {
    start(vertx, new JsonObject());
    Pool pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 1);
    UUID foreign = UUID.randomUUID();
    new CredentialStore(pool, KeyRing.parse(List.of(TestInfra.SECRET_KEY))).put(99, foreign, "api_key", new JsonObject().put("api_key", "k")).await();
    pool.close().await();
    JsonObject borrowing = Messages.create(7, 9, "node-1", receiver.url("/a"));
    borrowing.getJsonObject("webhook").put("credentialUuid", foreign.toString());
    JsonObject missing = Messages.create(7, 9, "node-2", receiver.url("/b"));
    missing.getJsonObject("webhook").put("credentialUuid", UUID.randomUUID().toString());

    long a = create(vertx, borrowing);
    long b = create(vertx, missing);

    awaitStatus(a, "succeeded");
    awaitStatus(b, "succeeded");
    assertThat(receiver.requests()).hasSize(2).allSatisfy(r -> {
      assertThat(r.header("X-API-Key")).isNull();
      assertThat(r.header("Authorization")).isNull();
    });
  }

  @Test
  void getAndDeleteSendNoBody(Vertx vertx) {
    start(vertx, new JsonObject());
    JsonObject get = Messages.create(7, 9, "node-get", receiver.url("/get"));
    get.getJsonObject("webhook").put("httpMethod", "GET");
    JsonObject delete = Messages.create(7, 9, "node-delete", receiver.url("/delete"));
    delete.getJsonObject("webhook").put("httpMethod", "delete");
    JsonObject put = Messages.create(7, 9, "node-put", receiver.url("/put"));
    put.getJsonObject("webhook").put("httpMethod", "PUT");

    long getId = create(vertx, get);
    long deleteId = create(vertx, delete);
    long putId = create(vertx, put);

    awaitStatus(getId, "succeeded");
    awaitStatus(deleteId, "succeeded");
    awaitStatus(putId, "succeeded");
    assertThat(receiver.requestsTo("/get")).singleElement()
        .satisfies(r -> assertThat(r.method()).isEqualTo("GET"))
        .satisfies(r -> assertThat(r.hasBody()).isFalse());
    assertThat(receiver.requestsTo("/delete")).singleElement()
        .satisfies(r -> assertThat(r.method()).isEqualTo("DELETE"))
        .satisfies(r -> assertThat(r.hasBody()).isFalse());
    assertThat(receiver.requestsTo("/put")).singleElement()
        .satisfies(r -> assertThat(r.body()).contains("call_done"));
  }

  @Test
  void aRedirectIsADeadLetterAndItsLocationIsNeverRequested(Vertx vertx) {
    start(vertx, new JsonObject());
    receiver.behave(r -> r.path().equals("/moved") ? Reply.redirect(receiver.url("/elsewhere")) : Reply.status(200));

    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/moved")));

    awaitStatus(id, "dead_letter");
    assertThat(row(id).subList(0, 3)).containsExactly("dead_letter", 1, 302);
    awaitAPumpPassPastTheLongestBackoff(vertx);
    assertThat(receiver.requestsTo("/elsewhere")).isEmpty();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aWorkerNeverRunsMoreAttemptsThanItsFreeSlots(Vertx vertx) {
    start(vertx, new JsonObject().put("instances", 1).put("maxInFlight", 4));
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    receiver.behave(r -> {
      peak.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      return Reply.delayed(200, 150);
    });
    receiver.onAnswered(concurrent::decrementAndGet);

    for (int i = 0; i < 40; i++) {
      create(vertx, Messages.create(7, 100 + i, "node-1", receiver.url("/slots")));
    }

    Await.until("all deliveries", WAIT, () -> infra.count("status = 'succeeded'") == 40);
    assertThat(peak.get()).isEqualTo(4);
  }

  @Test
  void aDueDeliveryStartsPromptlyEvenWhenTheIdlePollIsLong(Vertx vertx) {
    start(vertx, new JsonObject().put("idlePollSeconds", 20));
    // Each pump looks at the empty schedule once when it starts, then sleeps for the idle poll:
    // past that first pop (a Redis round trip after it), a create has to wake it.
    Await.until("both pumps' first pop", WAIT, () -> hookline.queue().popsIssued() >= 2);
    hookline.queue().size().await();

    long createdAt = System.nanoTime();
    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/fast")));
    Await.until("the request", WAIT, () -> !receiver.requests().isEmpty());
    long latencyMillis = (System.nanoTime() - createdAt) / 1_000_000;

    assertThat(latencyMillis).as("create to receiver, with a 20 s idle poll").isLessThan(2_000);
    awaitStatus(id, "succeeded");
  }

  @Test
  void anIdleWorkerDoesNotSpin(Vertx vertx) {
    start(vertx, new JsonObject().put("idlePollSeconds", 0.5));
    Await.until("both pumps' first pop", WAIT, () -> hookline.queue().popsIssued() >= 2);
    long startedNanos = System.nanoTime();
    long before = hookline.queue().popsIssued();

    Await.until("four more pops", WAIT, () -> hookline.queue().popsIssued() - before >= 4);
    long millis = (System.nanoTime() - startedNanos) / 1_000_000;

    // Two instances polling every 0.5 s need at least 0.5 s for four pops (two each, timers never
    // fire early); a spinning loop makes them in a few milliseconds.
    assertThat(millis).as("ms for four idle pops").isGreaterThanOrEqualTo(450);
  }

  @Test
  void stoppingLetsAnInFlightSendFinishAndRecordsIt(Vertx vertx) {
    start(vertx, new JsonObject().put("timeoutSeconds", 3).put("leaseSeconds", 5).put("shutdownGraceSeconds", 4));
    receiver.behave(r -> Reply.delayed(200, 800));
    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/slow")));
    Await.until("the send to start", WAIT, () -> !receiver.requests().isEmpty());

    hookline.stop().await();

    assertThat(row(id).subList(0, 3)).containsExactly("succeeded", 1, 200);
  }

  @Test
  void stoppingAfterTheGraceLeavesTheUnfinishedSendToItsLease(Vertx vertx) {
    start(vertx, new JsonObject().put("timeoutSeconds", 3).put("leaseSeconds", 5).put("shutdownGraceSeconds", 0.3));
    receiver.behave(r -> Reply.delayed(200, 2_000));
    long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/slow")));
    Await.until("the send to start", WAIT, () -> !receiver.requests().isEmpty());

    long started = System.nanoTime();
    hookline.stop().await();

    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1_500);
    List<Object> row = row(id);
    assertThat(row.subList(0, 2)).containsExactly("pending", 1);
    Timestamp leasedUntil = (Timestamp) infra.sql("SELECT leased_until FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
    assertThat(leasedUntil.getTime()).as("still leased").isGreaterThan(System.currentTimeMillis());
  }

  @Test
  void aWorkerThatLostItsLeaseCannotOverwriteTheNewerOutcome(Vertx vertx) {
    start(vertx, new JsonObject().put("timeoutSeconds", 3).put("leaseSeconds", 4));
    // Attempt 1 answers with a permanent failure only once attempt 2, sent after the lease ran out, has
    // arrived (and succeeds): held on an event, not a delay, so a slow sweep cannot reorder them.
    Promise<Void> secondArrived = Promise.promise();
    receiver.behave(r -> {
      if ("1".equals(r.header("X-Dograh-Delivery-Attempt"))) {
        return Reply.heldUntil(secondArrived.future(), 410);
      }
      secondArrived.tryComplete();
      return Reply.status(200);
    });
    try (LogCapture runner = LogCapture.of(AttemptRunner.class)) {
      long id = create(vertx, Messages.create(7, 9, "node-1", receiver.url("/race")));
      Await.until("attempt 1 to be in flight", WAIT, () -> receiver.requests().size() == 1);

      infra.sql("UPDATE webhook_deliveries SET leased_until = now() - interval '1 second' WHERE id = ?", id);

      awaitStatus(id, "succeeded");
      // Attempt 1's late answer arrives after that; its outcome is refused by the fence.
      String cancelled = "attempt 1 of delivery=" + id + " was cancelled: its lease ran out";
      Await.until("attempt 1's late outcome to be logged as cancelled", WAIT, () -> runner.messages().stream()
          .anyMatch(m -> m.startsWith(cancelled)), () -> "logged: " + runner.messages());
      assertThat(receiver.requests()).extracting(r -> r.header("X-Dograh-Delivery-Attempt")).containsExactly("1", "2");
      assertThat(row(id).subList(0, 4)).containsExactly("succeeded", 2, 200, null);
    }
  }
}
