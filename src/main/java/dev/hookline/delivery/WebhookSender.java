package dev.hookline.delivery;

import dev.hookline.security.PinnedTarget;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The only place Hookline speaks HTTP to receivers. Every attempt is bounded: a total deadline
 * resets the request (closing its connection, so a receiver that trickles bytes cannot keep it),
 * and only the first bytes of the body are kept. The returned future never fails: every problem
 * becomes a {@link SendResult} so the caller always records an outcome.
 */
public final class WebhookSender {
  private final Vertx vertx;
  private final ReceiverClient client;
  private final int bodyExcerptBytes;

  public WebhookSender(Vertx vertx, ReceiverClient client, int bodyExcerptBytes) {
    this.vertx = vertx;
    this.client = client;
    this.bodyExcerptBytes = bodyExcerptBytes;
  }

  /**
   * Sends to the vetted address itself; the Host header, SNI and certificate check use the name.
   * {@code timeoutMillis} is what is left of the attempt's deadline.
   */
  public Future<SendResult> send(OutboundRequest request, PinnedTarget target, long timeoutMillis) {
    Instant startedAt = Instant.now();
    long started = System.nanoTime();
    Promise<SendResult> result = Promise.promise();
    AtomicReference<HttpClientRequest> current = new AtomicReference<>();
    long deadline = vertx.setTimer(Math.max(1, timeoutMillis), id -> {
      TimeoutException late = new TimeoutException("no complete answer within " + timeoutMillis + " ms");
      if (result.tryComplete(SendResult.failure(startedAt, elapsedMillis(started), late))) {
        HttpClientRequest open = current.get();
        if (open != null) {
          open.reset(0, late);
        }
      }
    });
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.requestUri())
        .setHeaders(withHost(request.headers(), target))
        .setFollowRedirects(false)
        .setConnectTimeout(Math.max(1, timeoutMillis));
    long endsAtNanos = started + TimeUnit.MILLISECONDS.toNanos(Math.max(1, timeoutMillis));
    exchange(options, request, current, result, endsAtNanos, true).onComplete(ar -> {
      vertx.cancelTimer(deadline);
      result.tryComplete(ar.succeeded() ? ar.result().toResult(startedAt, elapsedMillis(started))
          : SendResult.failure(startedAt, elapsedMillis(started), ar.cause()));
    });
    return result.future();
  }

  /**
   * One request and its answer. A pooled connection the receiver closed while it sat idle fails
   * before any answer arrives; that costs no attempt: the request goes out once more, on a fresh
   * connection, within the same deadline (see {@link ReceiverClient#takeMaybeStale}).
   */
  private Future<Answer> exchange(RequestOptions options, OutboundRequest request,
                                  AtomicReference<HttpClientRequest> current, Promise<SendResult> result,
                                  long endsAtNanos, boolean mayRetry) {
    AtomicBoolean maybeStale = new AtomicBoolean();
    AtomicBoolean answered = new AtomicBoolean();
    return client.agent().request(options)
        .compose(open -> {
          current.set(open);
          maybeStale.set(client.takeMaybeStale(open.connection()));
          if (result.future().isComplete()) {
            // Opened after the deadline passed (the timer found nothing to reset): never send.
            TimeoutException late = new TimeoutException("connected after the attempt's deadline");
            open.reset(0, late);
            return Future.failedFuture(late);
          }
          return request.body() == null ? open.send() : open.send(request.body());
        })
        .compose(response -> {
          answered.set(true);
          return readCapped(response).onSuccess(answer -> client.release(response.request().connection()));
        })
        .recover(error -> mayRetry && maybeStale.get() && !answered.get() && !result.future().isComplete()
            && (error instanceof HttpClosedException || error instanceof IOException)
            ? exchange(new RequestOptions(options).setConnectTimeout(Math.max(1,
                TimeUnit.NANOSECONDS.toMillis(endsAtNanos - System.nanoTime()))), request, current, result, endsAtNanos,
                false)
            : Future.failedFuture(error));
  }

  /**
   * The client writes the Host header from the name as given, so an IPv6 literal would go out
   * without its brackets ("::1:8443"); an explicit header gets the form RFC 9110 asks for.
   */
  private static MultiMap withHost(MultiMap headers, PinnedTarget target) {
    if (target.host().indexOf(':') < 0) {
      return headers;
    }
    boolean defaultPort = target.port() == (target.ssl() ? 443 : 80);
    return MultiMap.caseInsensitiveMultiMap().addAll(headers)
        .set(HttpHeaders.HOST, "[" + target.host() + "]" + (defaultPort ? "" : ":" + target.port()));
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
    response.endHandler(end -> done.tryComplete(new Answer(response.statusCode(), wholeCharacters(kept),
        response.getHeader("Content-Type"), response.getHeader("Retry-After"), response.headers())));
    return done.future();
  }

  /**
   * The excerpt as text, without a character the byte cap cut in two: decoded, its first bytes
   * would become U+FFFD, and a secret echoed up to there could no longer be recognised (and cut).
   */
  static String wholeCharacters(Buffer bytes) {
    int end = bytes.length();
    for (int back = 1; back <= 3 && back <= end; back++) {
      int b = bytes.getByte(end - back) & 0xFF;
      if ((b & 0xC0) != 0x80) {
        int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (needed > back) {
          end -= back;
        }
        break;
      }
    }
    return bytes.getString(0, end, StandardCharsets.UTF_8.name());
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private record Answer(int status, String body, String contentType, String retryAfter, MultiMap headers) {
    SendResult toResult(Instant startedAt, long latencyMillis) {
      return SendResult.response(startedAt, latencyMillis, status, body, contentType, retryAfter, headers);
    }
  }
}
