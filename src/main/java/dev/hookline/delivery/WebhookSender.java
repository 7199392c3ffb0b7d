package dev.hookline.delivery;

import dev.hookline.security.PinnedTarget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The only place Hookline speaks HTTP to receivers. Every attempt is bounded: a total deadline
 * resets the request (closing its connection, so a receiver that trickles bytes cannot keep it),
 * and only the first bytes of the body are kept. The returned future never fails: every problem
 * becomes a {@link SendResult} so the caller always records an outcome.
 */
public final class WebhookSender {
  private final Vertx vertx;
  private final HttpClientAgent client;
  private final int bodyExcerptBytes;

  public WebhookSender(Vertx vertx, HttpClientAgent client, int bodyExcerptBytes) {
    this.vertx = vertx;
    this.client = client;
    this.bodyExcerptBytes = bodyExcerptBytes;
  }

  /**
   * The one HTTP client all delivery verticles share. It is the core client rather than the
   * WebClient because only a core request can be reset when its deadline passes. Redirects are
   * never followed: a 3xx is a permanent failure by contract, and following one could carry the
   * payload somewhere unvetted.
   */
  public static HttpClientAgent createClient(Vertx vertx, Duration timeout, int connectionsPerOrigin) {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
        .setForceSni(true)
        .setVerifyHost(true)
        .setMaxHeaderSize(16 * 1024);
    return vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(connectionsPerOrigin).setHttp2MaxSize(connectionsPerOrigin))
        .build();
  }

  /**
   * Sends to the vetted address itself; the Host header, SNI and certificate check use the name.
   * {@code timeoutMillis} is what is left of the attempt's deadline.
   */
  public Future<SendResult> send(OutboundRequest request, PinnedTarget target, long timeoutMillis) {
    Instant startedAt = Instant.now();
    long started = System.nanoTime();
    Promise<SendResult> result = Promise.promise();
    Promise<HttpClientRequest> opened = Promise.promise();
    long deadline = vertx.setTimer(Math.max(1, timeoutMillis), id -> {
      TimeoutException late = new TimeoutException("no complete answer within " + timeoutMillis + " ms");
      if (result.tryComplete(SendResult.failure(startedAt, elapsedMillis(started), late))) {
        opened.future().onSuccess(open -> open.reset(0, late));
      }
    });
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.requestUri())
        .setHeaders(request.headers())
        .setFollowRedirects(false)
        .setConnectTimeout(Math.max(1, timeoutMillis));
    client.request(options)
        .compose(open -> {
          opened.tryComplete(open);
          return request.body() == null ? open.send() : open.send(request.body());
        })
        .compose(this::readCapped)
        .onComplete(ar -> {
          vertx.cancelTimer(deadline);
          result.tryComplete(ar.succeeded() ? ar.result().toResult(startedAt, elapsedMillis(started))
              : SendResult.failure(startedAt, elapsedMillis(started), ar.cause()));
        });
    return result.future();
  }

  /** Keeps the first bytes and drains the rest, so a huge answer costs bounded memory. */
  private Future<Answer> readCapped(HttpClientResponse response) {
    Promise<Answer> done = Promise.promise();
    Buffer kept = Buffer.buffer();
    response.handler(chunk -> {
      int room = bodyExcerptBytes - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk.length() <= room ? chunk : chunk.slice(0, room));
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(end -> done.tryComplete(new Answer(response.statusCode(), kept.toString(StandardCharsets.UTF_8),
        response.getHeader("Content-Type"), response.getHeader("Retry-After"))));
    return done.future();
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private record Answer(int status, String body, String contentType, String retryAfter) {
    SendResult toResult(Instant startedAt, long latencyMillis) {
      return SendResult.response(startedAt, latencyMillis, status, body, contentType, retryAfter);
    }
  }
}
