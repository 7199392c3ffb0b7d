package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The API cuts off clients that trickle a request (slow loris) after {@code http.readTimeoutSeconds},
 * counted from the connection opening or from its previous answer, while clients that send in time
 * are served, keep-alive included. Plain sockets, so every byte and every pause is the test's own;
 * pauses are socket read timeouts, which double as "the server has not closed yet" probes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowClientTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "slow-client-token-0123456789ab";
  private static final long READ_TIMEOUT_MILLIS = 1_000;
  /** The guard's timer cannot fire early; the earliest a close may come, with clock slack. */
  private static final long NOT_BEFORE_MILLIS = 800;
  /** One read timeout plus generous slack for a slow CI machine. */
  private static final long CLOSED_WITHIN_MILLIS = 3_000;
  /** How long a trickling client waits for more before it gives up watching. */
  private static final long GIVE_UP_MILLIS = CLOSED_WITHIN_MILLIS + 2_000;
  private static final long TRICKLE_MILLIS = 300;
  private static final String HEALTH = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  private Fixture fixture;
  private Hookline hookline;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    JsonObject config = fixture.infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN))
        .put("readTimeoutSeconds", READ_TIMEOUT_MILLIS / 1_000.0);
    hookline = fixture.startWithConfig(vertx, config);
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      for (Socket socket : sockets) {
        socket.close();
      }
    } finally {
      fixture.close();
    }
  }

  @Test
  void aClientTricklingItsHeadersIsCutOffAfterTheReadTimeout() throws IOException {
    Conn conn = open();
    conn.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");

    Trickle trickle = trickleUntilClosed(conn, GIVE_UP_MILLIS);

    assertCutOffByTheGuard(trickle);
    assertThat(trickle.received()).as("nothing is answered to a request that never arrived").isEmpty();
  }

  @Test
  void aClientTricklingItsBodyIsCutOffAfterTheReadTimeout() throws IOException {
    Conn conn = open();
    // Complete, authorized headers: the router is already waiting for the 100-byte body.
    conn.write(createHead(100) + "{");

    Trickle trickle = trickleUntilClosed(conn, GIVE_UP_MILLIS);

    assertCutOffByTheGuard(trickle);
    assertThat(fixture.infra.count("true")).isZero();
  }

  @Test
  void requestsSentInTimeAreAnsweredAndKeepAliveCarriesSeveralInARow() throws IOException {
    Conn conn = open();
    byte[] createBody = createBody(9);

    // Each request comes a little under the read timeout after the previous answer (the first
    // after the connection opened): together they outlast one read timeout, so the guard's clock
    // must restart at each answer for this connection to survive.
    conn.expectOpenFor(450);
    conn.write(HEALTH);
    HttpAnswer first = conn.readAnswer();
    conn.expectOpenFor(450);
    conn.write(createHead(createBody.length));
    conn.write(createBody);
    HttpAnswer second = conn.readAnswer();
    conn.expectOpenFor(450);
    conn.write(HEALTH);
    HttpAnswer third = conn.readAnswer();
    long served = conn.elapsed();

    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(new JsonObject(first.body()).getString("status")).isEqualTo("up");
    assertThat(second.status()).as(second.toString()).isEqualTo(201);
    assertThat(new JsonObject(second.body()).getString("status")).isEqualTo("created");
    assertThat(third.status()).as(third.toString()).isEqualTo(200);
    assertThat(served).as("the connection outlived one read timeout").isGreaterThan(READ_TIMEOUT_MILLIS);
    assertThat(fixture.infra.count("workflow_run_id = 9")).isEqualTo(1);
  }

  /**
   * The read timeout restarts at each answer, so a next request trickled after it is cut off like
   * a first one, however the previous request was answered: after its body had arrived (a create,
   * answered once Postgres has stored it), at once (health, answered before Vert.x has read the
   * request's end), or refused from its headers alone before its body was sent (a 401).
   */
  @ParameterizedTest(name = "[{index}] after {0}")
  @ValueSource(strings = {"a create", "a health check", "a 401 before the body"})
  void aNextRequestTrickledAfterAnAnswerIsCutOff(String previous) throws IOException {
    Conn conn = open();
    int expected;
    switch (previous) {
      case "a create" -> {
        byte[] body = createBody(11);
        conn.write(createHead(body.length));
        conn.write(body);
        expected = 201;
      }
      case "a health check" -> {
        conn.write(HEALTH);
        expected = 200;
      }
      default -> {
        // No token: refused from the headers, before the announced body is sent.
        conn.write("POST /v1/deliveries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            + "\r\nContent-Length: 2\r\n\r\n");
        expected = 401;
      }
    }
    HttpAnswer answer = conn.readAnswer();
    assertThat(answer.status()).as(answer.toString()).isEqualTo(expected);
    long answeredAt = conn.elapsed();
    // For the 401 the announced body goes first; then the next request's headers, a byte at a time.
    conn.tryWrite((expected == 401 ? "{}" : "") + "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");

    Trickle trickle = trickleUntilClosed(conn, answeredAt + GIVE_UP_MILLIS);

    assertThat(trickle.closedAt()).as("cut off within " + CLOSED_WITHIN_MILLIS + " ms of the answer (given at "
        + answeredAt + " ms); " + trickle).isPositive();
    assertThat(trickle.closedAt() - answeredAt).as(trickle.toString()).isLessThan(CLOSED_WITHIN_MILLIS);
  }

  @Test
  void healthKeepsAnsweringWhileTwentySlowClientsHoldConnections() throws IOException {
    List<Conn> slow = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Conn conn = open();
      conn.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + i + ": ");
      slow.add(conn);
    }
    long firstOpened = slow.get(0).openedAt;

    // Rounds until past the read timeout: each slow client sends a byte, then a normal client asks.
    int rounds = 0;
    int whileAllOpen = 0;
    while (millisSince(firstOpened) < READ_TIMEOUT_MILLIS + 500) {
      rounds++;
      boolean allOpen = true;
      for (Conn conn : slow) {
        allOpen &= conn.tryWrite("a") && conn.isOpen();
      }
      long asked = System.nanoTime();
      Conn healthy = open();
      healthy.write(HEALTH);
      HttpAnswer answer = healthy.readAnswer();
      assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
      assertThat(new JsonObject(answer.body()).getString("status")).isEqualTo("up");
      assertThat(millisSince(asked)).as("a health answer beside 20 slow clients").isLessThan(1_000);
      if (allOpen) {
        whileAllOpen++;
      }
      // The pause between rounds.
      healthy.openAfterWaiting(100);
    }
    assertThat(rounds).isGreaterThanOrEqualTo(5);
    assertThat(whileAllOpen).as("health answers given while all 20 slow clients were connected").isPositive();
  }

  private static void assertCutOffByTheGuard(Trickle trickle) {
    assertThat(trickle.closedAt()).as("cut off within " + CLOSED_WITHIN_MILLIS + " ms; " + trickle).isPositive();
    assertThat(trickle.closedAt()).as(trickle.toString()).isBetween(NOT_BEFORE_MILLIS, CLOSED_WITHIN_MILLIS);
    assertThat(trickle.openAt()).as("still connected while it trickled, before the read timeout; " + trickle)
        .isNotEmpty();
    assertThat(trickle.openAt().get(0)).as(trickle.toString()).isLessThan(READ_TIMEOUT_MILLIS);
  }

  /**
   * Sends one byte every {@link #TRICKLE_MILLIS} (the pause is a read that times out) until the
   * server closes the connection or {@code giveUpAtMillis} (since it opened) is reached.
   */
  private static Trickle trickleUntilClosed(Conn conn, long giveUpAtMillis) {
    List<Long> openAt = new ArrayList<>();
    while (conn.elapsed() < giveUpAtMillis) {
      if (!conn.tryWrite("a") || !conn.openAfterWaiting(TRICKLE_MILLIS)) {
        return new Trickle(conn.elapsed(), openAt, conn.received());
      }
      openAt.add(conn.elapsed());
    }
    return new Trickle(-1, openAt, conn.received());
  }

  private byte[] createBody(long run) {
    return Messages.create(7, run, "node-1", fixture.receiver.url("/hook")).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static String createHead(int contentLength) {
    return "POST /v1/deliveries HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
        + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private Conn open() throws IOException {
    long openedAt = System.nanoTime();
    Socket socket = new Socket("127.0.0.1", hookline.httpPort());
    sockets.add(socket);
    socket.setTcpNoDelay(true);
    return new Conn(socket, openedAt);
  }

  /**
   * {@code closedAt}: ms after the connection opened when the server was seen to close it (-1: still
   * open when the client gave up); {@code openAt}: when it was seen still open; what the server sent.
   */
  private record Trickle(long closedAt, List<Long> openAt, String received) {
  }

  private record HttpAnswer(int status, String head, String body) {
  }

  /** A client connection: its bytes in and out, and whether (and when) the server closed it. */
  private static final class Conn {
    private final Socket socket;
    private final long openedAt;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream unasked = new ByteArrayOutputStream();
    private long closedAt = -1;

    Conn(Socket socket, long openedAt) throws IOException {
      this.socket = socket;
      this.openedAt = openedAt;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    long elapsed() {
      return millisSince(openedAt);
    }

    void write(String text) throws IOException {
      write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** False when the write shows the server has closed the connection. */
    boolean tryWrite(String text) {
      try {
        write(text);
        return true;
      } catch (IOException closed) {
        markClosed();
        return false;
      }
    }

    /**
     * Waits up to {@code millis} for the server to close the connection; true if it is still open
     * then. Bytes the server sends meanwhile are kept (see {@link #received()}).
     */
    boolean openAfterWaiting(long millis) {
      if (closedAt >= 0) {
        return false;
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      try {
        while (true) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            return true;
          }
          socket.setSoTimeout((int) left);
          int b = in.read();
          if (b < 0) {
            markClosed();
            return false;
          }
          unasked.write(b);
        }
      } catch (SocketTimeoutException stillOpen) {
        return true;
      } catch (IOException reset) {
        markClosed();
        return false;
      }
    }

    /** Asserts that the server neither answers nor closes for {@code millis}: a pause that is also a probe. */
    void expectOpenFor(long millis) {
      assertThat(openAfterWaiting(millis)).as("connection still open after " + elapsed() + " ms").isTrue();
      assertThat(received()).as("nothing was sent unasked").isEmpty();
    }

    boolean isOpen() {
      return openAfterWaiting(1);
    }

    String received() {
      return unasked.toString(StandardCharsets.ISO_8859_1);
    }

    private void markClosed() {
      if (closedAt < 0) {
        closedAt = elapsed();
      }
    }

    /** Reads one HTTP/1.1 answer with a Content-Length body, waiting at most 10 s for it. */
    HttpAnswer readAnswer() throws IOException {
      socket.setSoTimeout(10_000);
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          markClosed();
          throw new AssertionError("connection closed before a full answer; got: "
              + head.toString(StandardCharsets.ISO_8859_1));
        }
        head.write(b);
      }
      String headText = head.toString(StandardCharsets.ISO_8859_1);
      String[] lines = headText.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      int length = -1;
      for (String line : lines) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).trim());
        }
      }
      assertThat(length).as("an answer with a Content-Length: " + headText).isNotNegative();
      byte[] body = in.readNBytes(length);
      assertThat(body).as("the whole body of " + headText).hasSize(length);
      return new HttpAnswer(status, headText, new String(body, StandardCharsets.UTF_8));
    }
  }
}
