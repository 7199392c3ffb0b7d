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
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the outbound HTTP client speaks to real receivers at the protocol level: interim (1xx)
 * answers are waited through, an IPv6 literal goes out in the Host header with its brackets, and a
 * pooled keep-alive connection the receiver closed after it sat idle is replaced within the same
 * attempt (while a connection that fails without having idled still costs the attempt).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReceiverProtocolTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
  /** Matches {@link ReceiverClient#STALE_AFTER_MILLIS}: a receiver's keep-alive timer of that length. */
  private static final long KEEP_ALIVE_MILLIS = ReceiverClient.STALE_AFTER_MILLIS;

  private Fixture fixture;
  private TestInfra infra;
  private Vertx vertx;
  private OpenedServers servers;
  /** Every request a raw receiver parsed, in arrival order, with what it did about it. */
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Connections a raw receiver accepted, and how many of them it has seen closed. */
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger closedConnections = new AtomicInteger();
  /** Distinct run ids, so each create is a new delivery rather than the existing one. */
  private final AtomicLong runIds = new AtomicLong(100);

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    servers = new OpenedServers(vertx);
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
  }

  @AfterEach
  void tearDown() {
    try {
      servers.close();
    } finally {
      fixture.close();
    }
  }

  /**
   * A 2 s attempt deadline (the final answer comes 300 ms after the request), a 4 s lease, and a
   * 30 s backoff so a failed attempt is never re-attempted during a test: every attempt-log row
   * seen here is the first attempt's.
   */
  private JsonObject delivery() {
    return new JsonObject().put("timeoutSeconds", 2).put("leaseSeconds", 4)
        .put("baseDelaySeconds", 30).put("maxDelaySeconds", 600);
  }

  // ---------------------------------------------------------------- 1xx interim answers

  /**
   * 102 Processing (and the like) says the receiver is still working; the attempt must wait for
   * the final answer rather than take the 1xx as it, or trip over the 200 that follows.
   */
  @ParameterizedTest(name = "interim answers {0}")
  @ValueSource(strings = {"102", "102 102", "102 104"})
  void interimAnswersAreSkippedAndTheFinalAnswerCounts(String interim) {
    fixture.start(vertx, delivery());
    String[] statuses = interim.split(" ");
    String url = rawServer((socket, connection, request) -> {
      record(connection, request, -1, "answered after " + interim);
      // The interim answers 0 ms, 150 ms, ... after the request; the final one 300 ms after it.
      for (int i = 0; i < statuses.length; i++) {
        String line = "HTTP/1.1 " + statuses[i] + " " + reason(statuses[i]) + "\r\n\r\n";
        later(socket, i * 150L, line);
      }
      later(socket, 300, OK);
    });

    long id = create(url + "/interim");

    List<Object> attempt = firstAttempt(id);
    String context = describe(id);
    assertThat(row(id).subList(0, 3)).as("status, attempt_count, last_status_code; %s", context)
        .containsExactly("succeeded", 1, 200);
    assertThat(attempts(id)).as("attempt log; %s", context).hasSize(1);
    assertThat(attempt.subList(0, 3)).as("attempt, outcome, status_code; %s", context)
        .containsExactly(1, "succeeded", 200);
    assertThat(attempt.get(6)).as("response_body: the final answer's; %s", context).isEqualTo("ok");
    assertThat((Integer) attempt.get(3)).as("duration_ms: waited for the final answer; %s", context)
        .isGreaterThanOrEqualTo(300);
    assertThat(seen).as("requests the receiver got").hasSize(1);
  }

  // ---------------------------------------------------------------- IPv6 Host header

  /** RFC 9110: an IPv6 literal in Host is written in brackets, like in the URL: "[::1]:port". */
  @Test
  void anIpv6LiteralGoesOutInTheHostHeaderWithBrackets() {
    JsonObject config = infra.config();
    config.getJsonObject("security").getJsonArray("allowedNetworks").add("::1/128");
    config.getJsonObject("delivery").mergeIn(delivery());
    fixture.startWithConfig(vertx, config);
    List<String> hosts = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      hosts.add(String.valueOf(request.getHeader("Host")));
      request.body().onComplete(body -> request.response().putHeader("Content-Type", "text/plain").end("ok"));
    });
    server.listen(0, "::1").await();
    servers.track(server);
    int port = server.actualPort();

    long id = create("http://[::1]:" + port + "/hook");

    List<Object> attempt = firstAttempt(id);
    String context = describe(id) + ", Host headers received: " + hosts;
    assertThat(row(id).subList(0, 3)).as("status, attempt_count, last_status_code; %s", context)
        .containsExactly("succeeded", 1, 200);
    assertThat(attempt.subList(0, 3)).as("attempt, outcome, status_code; %s", context)
        .containsExactly(1, "succeeded", 200);
    assertThat(hosts).as("Host headers received").containsExactly("[::1]:" + port);
  }

  // ---------------------------------------------------------------- stale pooled connections

  /**
   * A receiver whose keep-alive timer (1 s) ran out just as the next request arrived closes the
   * connection without answering. The request was never processed, so Hookline sends it once more
   * on a fresh connection and the delivery succeeds on its first attempt. Right after, a
   * connection that had not sat idle and is closed on a request is a real failure: one failed
   * attempt, not a silent resend.
   */
  @Test
  void aPooledConnectionTheReceiverClosedAfterItsKeepAliveCostsNoAttempt() {
    fixture.start(vertx, delivery().put("instances", 1).put("maxInFlight", 1));
    String url = keepAliveServer();

    long a = create(url + "/a");
    assertSucceededOnFirstAttempt(a, "A");
    Seen answeredA = only("/a");
    assertThat(answeredA.action()).as("A; %s", seen).isEqualTo("answered");
    assertThat(answeredA.connection()).as("A's connection").isEqualTo(1);

    // The scenario is the idle time: A's connection sits in the pool past the receiver's keep-alive.
    Await.until("the keep-alive time and 0.2 s more to pass since A was answered", Duration.ofSeconds(10),
        () -> System.nanoTime() - answeredA.atNanos() >= TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_MILLIS + 200));
    long b = create(url + "/b");

    assertSucceededOnFirstAttempt(b, "B");
    List<Seen> toB = requestsTo("/b");
    assertThat(toB).as("B's requests at the receiver: first on A's idle connection (closed unanswered),"
        + " then once on a fresh one; all requests: %s", seen).hasSize(2);
    assertThat(toB.get(0).connection()).as("B's first request went out on A's pooled connection; %s", seen)
        .isEqualTo(answeredA.connection());
    assertThat(toB.get(0).action()).as("B's first request; %s", seen).isEqualTo("closed-idle");
    assertThat(toB.get(0).idleMillis()).as("receiver-side idle time of A's connection").isGreaterThanOrEqualTo(
        KEEP_ALIVE_MILLIS);
    assertThat(toB.get(1).connection()).as("B's second request went out on a new connection; %s", seen)
        .isEqualTo(2);
    assertThat(toB.get(1).action()).as("B's second request; %s", seen).isEqualTo("answered");
    assertThat(connections.get()).as("connections accepted").isEqualTo(2);
    Await.until("the receiver to see A's connection closed", Duration.ofSeconds(5),
        () -> closedConnections.get() >= 1);
    assertThat(toB.get(0).requestAttempt()).as("both carry attempt 1").isEqualTo("1");
    assertThat(toB.get(1).requestAttempt()).as("both carry attempt 1").isEqualTo("1");

    // Immediately after: the connection B's answer came on has not idled; a close on it counts.
    long c = create(url + "/close-c");
    assertClosedWithoutIdlingCostsTheAttempt(c, toB.get(1).connection());
  }

  /**
   * The same rule without the stale case before it: a connection that has just answered and is
   * closed on the next request (the receiver crashed on it, say) is not resent within the attempt.
   */
  @Test
  void aConnectionClosedOnARequestWithoutHavingIdledCostsTheAttempt() {
    fixture.start(vertx, delivery().put("instances", 1).put("maxInFlight", 1));
    String url = keepAliveServer();

    long a = create(url + "/a");
    assertSucceededOnFirstAttempt(a, "A");
    long c = create(url + "/close-c");

    assertClosedWithoutIdlingCostsTheAttempt(c, only("/a").connection());
  }

  private void assertSucceededOnFirstAttempt(long id, String name) {
    List<Object> attempt = firstAttempt(id);
    String context = describe(id);
    assertThat(row(id).subList(0, 3)).as("%s: status, attempt_count, last_status_code; %s", name, context)
        .containsExactly("succeeded", 1, 200);
    assertThat(attempts(id)).as("%s: attempt log; %s", name, context).hasSize(1);
    assertThat(attempt.subList(0, 3)).as("%s: attempt, outcome, status_code; %s", name, context)
        .containsExactly(1, "succeeded", 200);
  }

  /** {@code id}'s path makes the receiver close the connection on the request, unanswered. */
  private void assertClosedWithoutIdlingCostsTheAttempt(long id, int reusedConnection) {
    List<Object> attempt = firstAttempt(id);
    String context = describe(id);
    List<Seen> toC = requestsTo("/close-c");
    assertThat(toC).as("requests for the delivery closed on a busy connection; %s", context).isNotEmpty();
    // Precondition: the connection really had not idled (a loaded machine could make it so).
    assertThat(toC.get(0).idleMillis()).as("receiver-side idle time of the reused connection; %s", context)
        .isBetween(0L, KEEP_ALIVE_MILLIS - 1);
    assertThat(toC.get(0).connection()).as("went out on the pooled connection; %s", context)
        .isEqualTo(reusedConnection);
    assertThat(toC).as("sent once, not resent within the attempt; %s", context).hasSize(1);
    assertThat(attempts(id)).as("attempt log; %s", context).hasSize(1);
    assertThat(attempt.subList(0, 3)).as("attempt, outcome, status_code; %s", context)
        .containsExactly(1, "retry", null);
    assertThat(attempt.get(4)).as("error_class; %s", context).isNotNull();
    assertThat(row(id).subList(0, 3)).as("status, attempt_count, last_status_code; %s", context)
        .containsExactly("pending", 1, null);
  }

  // ---------------------------------------------------------------- receivers

  /** One request as a raw receiver parsed it. */
  private record Request(String method, String path, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * What a raw receiver did with a request: on which of its connections (numbered from 1) it came,
   * how long that connection had sat since its last answer (-1: never answered), and when.
   */
  private record Seen(int connection, String path, String requestAttempt, long idleMillis, String action,
                      long atNanos) {
    @Override
    public String toString() {
      return path + " on connection " + connection + " (attempt header " + requestAttempt + ", idle "
          + idleMillis + " ms): " + action;
    }
  }

  /** A raw receiver's per-connection state; used only from that connection's event loop. */
  private static final class Connection {
    final int number;
    long lastAnswerNanos;

    Connection(int number) {
      this.number = number;
    }
  }

  @FunctionalInterface
  private interface RequestHandler {
    void handle(NetSocket socket, Connection connection, Request request);
  }

  /**
   * Keeps connections alive and answers 200 "ok" on each request, except that it closes the
   * connection without answering when the connection's last answer was at least 1 s ago (its
   * keep-alive timer ran out as the request arrived) or when the path starts with /close.
   */
  private String keepAliveServer() {
    return rawServer((socket, connection, request) -> {
      long now = System.nanoTime();
      long idle = connection.lastAnswerNanos == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(now - connection.lastAnswerNanos);
      if (idle >= KEEP_ALIVE_MILLIS) {
        record(connection, request, idle, "closed-idle");
        socket.close();
      } else if (request.path().startsWith("/close")) {
        record(connection, request, idle, "closed-on-request");
        socket.close();
      } else {
        connection.lastAnswerNanos = now;
        record(connection, request, idle, "answered");
        socket.write(Buffer.buffer(OK));
      }
    });
  }

  /**
   * A raw TCP server that parses HTTP/1.1 requests (head, then a Content-Length body) off each
   * connection, any number per connection, and hands each complete one to {@code handler}.
   */
  private String rawServer(RequestHandler handler) {
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      servers.track(socket);
      Connection connection = new Connection(connections.incrementAndGet());
      AtomicReference<Buffer> pending = new AtomicReference<>(Buffer.buffer());
      socket.handler(data -> {
        pending.get().appendBuffer(data);
        Request request;
        while ((request = nextRequest(pending)) != null) {
          handler.handle(socket, connection, request);
        }
      });
      socket.closeHandler(v -> {
        closedConnections.incrementAndGet();
        servers.untrack(socket);
      });
    });
    server.listen(0, "127.0.0.1").await();
    servers.track(server);
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Takes one complete request off the front of {@code pending}, or null while it is incomplete. */
  private static Request nextRequest(AtomicReference<Buffer> pending) {
    Buffer buffer = pending.get();
    String text = buffer.toString(StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return null;
    }
    String[] lines = text.substring(0, headEnd).split("\r\n");
    String[] requestLine = lines[0].split(" ");
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    if (headers.containsKey("transfer-encoding")) {
      throw new IllegalStateException("the raw receiver reads Content-Length bodies only: " + headers);
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    int end = headEnd + 4 + length;
    if (buffer.length() < end) {
      return null;
    }
    pending.set(buffer.getBuffer(end, buffer.length()));
    return new Request(requestLine[0], requestLine[1], headers);
  }

  private void record(Connection connection, Request request, long idleMillis, String action) {
    seen.add(new Seen(connection.number, request.path(), request.header("X-Dograh-Delivery-Attempt"), idleMillis,
        action, System.nanoTime()));
  }

  private void later(NetSocket socket, long delayMillis, String text) {
    if (delayMillis == 0) {
      socket.write(Buffer.buffer(text));
      return;
    }
    long[] timer = new long[1];
    timer[0] = vertx.setTimer(delayMillis, t -> {
      servers.untrackTimer(timer[0]);
      socket.write(Buffer.buffer(text));
    });
    servers.trackTimer(timer[0]);
  }

  private static String reason(String status) {
    return switch (status) {
      case "102" -> "Processing";
      case "104" -> "Upload Resumption Supported";
      default -> "Informational";
    };
  }

  private List<Seen> requestsTo(String path) {
    return seen.stream().filter(s -> s.path().equals(path)).collect(Collectors.toList());
  }

  private Seen only(String path) {
    List<Seen> to = requestsTo(path);
    assertThat(to).as("requests to %s; all: %s", path, seen).hasSize(1);
    return to.get(0);
  }

  // ---------------------------------------------------------------- helpers

  private long create(String url) {
    JsonObject reply = Messages.send(vertx, Messages.create(7, runIds.incrementAndGet(), "node-1", url));
    assertThat(reply.getString("status")).isEqualTo("created");
    return reply.getLong("deliveryId");
  }

  /** Columns: status, attempt_count, last_status_code, last_error. */
  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, last_status_code, last_error FROM webhook_deliveries WHERE id = ?",
        id).get(0);
  }

  /** Columns: attempt, outcome, status_code, duration_ms, error_class, error_message, response_body. */
  private List<List<Object>> attempts(long id) {
    return infra.sql("SELECT attempt, outcome, status_code, duration_ms, error_class, error_message, response_body"
        + " FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY id", id);
  }

  /**
   * Waits for the first attempt-log row of {@code id}. Every outcome the tests expect ends the
   * attempt well within its 2 s deadline, and the 30 s backoff keeps a second attempt away.
   */
  private List<Object> firstAttempt(long id) {
    Await.until("delivery " + id + "'s first attempt to be recorded", Duration.ofSeconds(10),
        () -> !attempts(id).isEmpty(), () -> describe(id));
    return attempts(id).get(0);
  }

  private String describe(long id) {
    return "row " + row(id) + ", attempts " + attempts(id) + ", receiver saw " + seen + " on " + connections.get()
        + " connections (" + closedConnections.get() + " closed)";
  }
}
