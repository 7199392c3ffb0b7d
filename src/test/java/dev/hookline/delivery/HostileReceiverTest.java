package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.OpenedServers;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A receiver that misbehaves (endless or huge body, trickled bytes, oversized headers, silence)
 * costs one bounded attempt: it is recorded promptly as one attempt, with bounded text, and is not
 * re-sent before its backoff.
 */
@ExtendWith(VertxExtension.class)
class HostileReceiverTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final long TIMEOUT_MILLIS = 1_000;
  private static final int EXCERPT_CHARS = 4_096;
  private static final Buffer CHUNK = Buffer.buffer(new byte[64 * 1024]).setByte(0, (byte) 'x');

  private Fixture fixture;
  private TestInfra infra;
  private Vertx vertx;
  private OpenedServers servers;
  /** Requests (or connections) the hostile server got, and when the first one arrived. */
  private final AtomicInteger hits = new AtomicInteger();
  private final AtomicLong firstHitNanos = new AtomicLong();
  /** When the server saw the (first) connection closed, 0 while still open. */
  private final AtomicLong closedNanos = new AtomicLong();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    servers = new OpenedServers(vertx);
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
  }

  /** timeoutSeconds 1, leaseSeconds 3, and a 30 s backoff so the retry is never re-attempted during a test. */
  private void start() {
    start(1, 3);
  }

  private void start(double timeoutSeconds, double leaseSeconds) {
    fixture.start(vertx, new JsonObject().put("timeoutSeconds", timeoutSeconds).put("leaseSeconds", leaseSeconds)
        .put("baseDelaySeconds", 30).put("maxDelaySeconds", 600));
  }

  @AfterEach
  void tearDown() {
    try {
      servers.close();
    } finally {
      fixture.close();
    }
  }

  // ---------------------------------------------------------------- (a) endless and huge bodies

  @Test
  void anEndlessBodyCostsOneAttemptBoundedByTheTimeout() {
    start();
    String url = endlessBodyServer();

    long id = create(url);

    List<Object> attempt = awaitAttempt(id, Duration.ofSeconds(3));
    assertThat((Integer) attempt.get(1)).as("duration_ms").isLessThanOrEqualTo((int) TIMEOUT_MILLIS + 1_000);
    assertThat(attempt.get(4) == null ? 0 : ((String) attempt.get(4)).length()).as("response_body length")
        .isLessThanOrEqualTo(EXCERPT_CHARS);
    List<Object> row = row(id);
    assertThat(row.get(1)).as("attempt_count").isEqualTo(1);
    if (!"succeeded".equals(row.get(0))) {
      assertRetryWithBackoff(id, "timeout");
    }
    assertThat(hits.get()).isEqualTo(1);
  }

  @Test
  void aHugeButFiniteBodyIsDrainedAndOnlyAnExcerptKept() {
    // The subject is the excerpt cap, not speed: on a cold JVM here a plain WebClient took 1.6 s to
    // read 5 MB over loopback, so a 1 s timeout would make this a throughput test.
    start(10, 12);
    int size = 5 * 1024 * 1024;
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      hit();
      request.response().putHeader("Content-Type", "text/plain").putHeader("Content-Length", String.valueOf(size));
      Buffer body = Buffer.buffer(size);
      byte[] line = "0123456789abcdef".repeat(4).getBytes(StandardCharsets.US_ASCII);
      while (body.length() < size) {
        body.appendBytes(line, 0, Math.min(line.length, size - body.length()));
      }
      request.response().end(body);
    });
    server.listen(0, "127.0.0.1").await();
    servers.track(server);

    long id = create("http://127.0.0.1:" + server.actualPort() + "/huge");

    List<Object> attempt = awaitAttempt(id, Duration.ofSeconds(3));
    assertThat(row(id).subList(0, 3)).containsExactly("succeeded", 1, 200);
    assertThat(attempt.get(2)).isEqualTo("succeeded");
    assertThat((String) attempt.get(4)).hasSizeLessThanOrEqualTo(EXCERPT_CHARS).startsWith("0123456789abcdef");
  }

  /**
   * Bounded also means the endless stream stops: once the attempt is recorded as timed out, the
   * connection that still pours bytes into Hookline has to be closed, or every such receiver pins
   * a pooled connection and a stream of traffic for as long as it likes.
   */
  @Test
  void theConnectionOfAnEndlessBodyIsClosedOnceTheAttemptTimesOut() {
    start();
    String url = endlessBodyServer();

    long id = create(url);

    awaitAttempt(id, Duration.ofSeconds(3));
    long recorded = System.nanoTime();
    Await.until("the receiver to see its connection closed", Duration.ofSeconds(3), () -> closedNanos.get() != 0,
        () -> "row: " + row(id) + ", still streaming " + (System.nanoTime() - recorded) / 1_000_000 + " ms after the"
            + " attempt was recorded");
  }

  // ---------------------------------------------------------------- (b) trickle

  @Test
  void aTrickledBodyTimesOutAsOneAttempt() {
    start();
    String url = trickleServer();

    long id = create(url);

    awaitAttempt(id, Duration.ofMillis(TIMEOUT_MILLIS + 1_500));
    assertThat(row(id).subList(0, 2)).containsExactly("pending", 1);
    assertRetryWithBackoff(id, "timeout");
    assertThat(hits.get()).isEqualTo(1);
  }

  /** Same rule for a trickle: 100 000 bytes at 5 a second would hold the connection for over 5 hours. */
  @Test
  void theConnectionOfATrickleIsClosedOnceTheAttemptTimesOut() {
    start();
    String url = trickleServer();

    long id = create(url);

    awaitAttempt(id, Duration.ofMillis(TIMEOUT_MILLIS + 1_500));
    long recorded = System.nanoTime();
    Await.until("the receiver to see its connection closed", Duration.ofSeconds(3), () -> closedNanos.get() != 0,
        () -> "row: " + row(id) + ", still open " + (System.nanoTime() - recorded) / 1_000_000 + " ms after the"
            + " attempt was recorded");
  }

  // ---------------------------------------------------------------- (c) huge headers

  @ParameterizedTest(name = "{0}: {1} KiB")
  @CsvSource({"X-Huge, 100", "Content-Type, 64", "Retry-After, 64"})
  void anOversizedHeaderCostsOneAttemptAndIsNotStored(String name, int kib) {
    start();
    String value = "v".repeat(kib * 1024);
    String url = rawServer(socket -> socket.write(Buffer.buffer("HTTP/1.1 200 OK\r\n" + name + ": " + value + "\r\n\r\n")));

    long id = create(url);

    List<Object> attempt = awaitAttempt(id, Duration.ofSeconds(3));
    List<Object> row = row(id);
    assertThat(row.get(0)).as("status").isIn("pending", "dead_letter");
    assertThat(row.get(1)).as("attempt_count").isEqualTo(1);
    assertThat(row.get(3) == null ? 0 : ((String) row.get(3)).length()).as("last_error length")
        .isLessThanOrEqualTo(1_000);
    for (int column : new int[] {3, 5, 6, 7}) {
      String text = (String) attempt.get(column);
      assertThat(text == null ? 0 : text.length()).as("attempt column " + column + " length").isLessThanOrEqualTo(1_000);
    }
    assertThat(hits.get()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- (d) silence

  @Test
  void aReceiverThatNeverAnswersTimesOutAsOneAttempt() {
    start();
    String url = rawServer(socket -> { });

    long id = create(url);

    awaitAttempt(id, Duration.ofMillis(TIMEOUT_MILLIS + 1_500));
    assertThat(row(id).subList(0, 2)).containsExactly("pending", 1);
    assertRetryWithBackoff(id, "timeout");
    assertThat(hits.get()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- servers

  /** 200, chunked, 64 KiB every 5 ms until the connection closes or the test ends. */
  private String endlessBodyServer() {
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      hit();
      HttpServerResponse response = request.response().setChunked(true).putHeader("Content-Type", "text/plain");
      response.setStatusCode(200);
      long timer = vertx.setPeriodic(5, t -> {
        if (!response.closed() && !response.ended() && !response.writeQueueFull()) {
          response.write(CHUNK);
        }
      });
      servers.trackTimer(timer);
      request.connection().closeHandler(v -> {
        closedNanos.compareAndSet(0, System.nanoTime());
        vertx.cancelTimer(timer);
        servers.untrackTimer(timer);
      });
    });
    server.listen(0, "127.0.0.1").await();
    servers.track(server);
    return "http://127.0.0.1:" + server.actualPort() + "/endless";
  }

  /** Announces 100 000 bytes, then sends one every 200 ms. */
  private String trickleServer() {
    return rawServer(socket -> {
      socket.write(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"));
      long timer = vertx.setPeriodic(200, t -> socket.write(Buffer.buffer("x")));
      servers.trackTimer(timer);
      socket.closeHandler(v -> {
        closedNanos.compareAndSet(0, System.nanoTime());
        vertx.cancelTimer(timer);
        servers.untrackTimer(timer);
      });
    });
  }

  /** A raw TCP server: {@code onRequest} runs once, when the first bytes of the request arrive. */
  private String rawServer(Consumer<NetSocket> onRequest) {
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      servers.track(socket);
      hit();
      AtomicInteger reads = new AtomicInteger();
      socket.handler(data -> {
        if (reads.getAndIncrement() == 0) {
          onRequest.accept(socket);
        }
      });
      socket.closeHandler(v -> {
        closedNanos.compareAndSet(0, System.nanoTime());
        servers.untrack(socket);
      });
    });
    server.listen(0, "127.0.0.1").await();
    servers.track(server);
    return "http://127.0.0.1:" + server.actualPort() + "/raw";
  }

  private void hit() {
    if (hits.getAndIncrement() == 0) {
      firstHitNanos.set(System.nanoTime());
    }
  }

  // ---------------------------------------------------------------- helpers

  private long create(String url) {
    JsonObject reply = Messages.send(vertx, Messages.create(7, 9, "node-1", url));
    assertThat(reply.getString("status")).isEqualTo("created");
    return reply.getLong("deliveryId");
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, last_status_code, last_error, scheduled_for, updated_at"
        + " FROM webhook_deliveries WHERE id = ?", id).get(0);
  }

  /** Columns: attempt, duration_ms, outcome, error_message, response_body, response_content_type,
   * response_retry_after, error_class. */
  private List<List<Object>> attempts(long id) {
    return infra.sql("SELECT attempt, duration_ms, outcome, error_message, response_body, response_content_type,"
        + " response_retry_after, error_class FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY id", id);
  }

  /**
   * Waits for the first request to reach the server, then for the attempt to be recorded no later
   * than {@code within} after that; returns the single attempt log row.
   */
  private List<Object> awaitAttempt(long id, Duration within) {
    Await.until("the hostile server to be reached", Duration.ofSeconds(10), () -> hits.get() > 0);
    long deadline = firstHitNanos.get() + within.toNanos();
    Await.until("the attempt to be recorded", Duration.ofSeconds(10), () -> !attempts(id).isEmpty(),
        () -> "row: " + row(id));
    long recordedAfter = (System.nanoTime() - firstHitNanos.get()) / 1_000_000;
    assertThat(System.nanoTime()).as("recorded %d ms after the request arrived; allowed %d ms", recordedAfter,
        within.toMillis()).isLessThanOrEqualTo(deadline);
    // Nothing else happens for this delivery during the test: the next try is 30 s away. Past a
    // probe due now, anything put back on the schedule by mistake would have been attempted.
    fixture.awaitAPumpPass(vertx, Duration.ZERO);
    List<List<Object>> attempts = attempts(id);
    assertThat(attempts).as("attempt log").hasSize(1);
    assertThat(row(id).get(1)).as("attempt_count").isEqualTo(1);
    return attempts.get(0);
  }

  private void assertRetryWithBackoff(long id, String errorStart) {
    List<Object> row = row(id);
    assertThat(row.get(0)).isEqualTo("pending");
    assertThat((String) row.get(3)).as("last_error").startsWith(errorStart).hasSizeLessThanOrEqualTo(1_000);
    long due = ((Timestamp) row.get(4)).getTime();
    long recordedAt = ((Timestamp) row.get(5)).getTime();
    assertThat(due - recordedAt).as("backoff ms").isBetween(30_000L - 5, 30_000L + 5);
  }
}
