package dev.hookline.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import dev.hookline.security.PinnedTarget;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The only place Hookline speaks HTTP to receivers. The returned future never fails: every
 * problem becomes a {@link SendResult} so the caller always records an outcome.
 */
public final class WebhookSender {
  private final WebClient client;
  private final long timeoutMillis;
  private final int bodyExcerptBytes;

  public WebhookSender(WebClient client, Duration timeout, int bodyExcerptBytes) {
    this.client = client;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
    this.bodyExcerptBytes = bodyExcerptBytes;
  }

  /**
   * The one WebClient all delivery verticles share. Redirects are off: a 3xx is a permanent
   * failure by contract, and following one could carry the payload somewhere unvetted.
   */
  public static WebClient createClient(Vertx vertx, Duration timeout, int connectionsPerOrigin) {
    WebClientOptions options = new WebClientOptions()
        .setFollowRedirects(false)
        .setForceSni(true)
        .setVerifyHost(true)
        .setKeepAlive(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
        .setUserAgent("Hookline/1");
    return WebClient.create(vertx, options,
        new PoolOptions().setHttp1MaxSize(connectionsPerOrigin).setHttp2MaxSize(connectionsPerOrigin));
  }

  /** Sends to the vetted address itself; the Host header, SNI and certificate check use the name. */
  public Future<SendResult> send(OutboundRequest request, PinnedTarget target) {
    Instant startedAt = Instant.now();
    long started = System.nanoTime();
    Future<HttpResponse<Buffer>> response;
    try {
      HttpRequest<Buffer> http = client.request(request.method(),
              SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()),
              target.port(), target.host(), target.requestUri())
          .ssl(target.ssl())
          .connectTimeout(timeoutMillis)
          .idleTimeout(timeoutMillis)
          .putHeaders(request.headers())
          .as(new CappedBodyCodec(bodyExcerptBytes));
      response = request.body() == null ? http.send() : http.sendBuffer(request.body());
    } catch (RuntimeException e) {
      response = Future.failedFuture(e);
    }
    // The idle timeout alone would let a receiver that trickles bytes hold an attempt open forever.
    return response.timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .map(r -> SendResult.response(startedAt, elapsedMillis(started), r.statusCode(), excerpt(r.body()),
            r.getHeader("Content-Type"), r.getHeader("Retry-After")))
        .otherwise(error -> SendResult.failure(startedAt, elapsedMillis(started), error));
  }

  private static String excerpt(Buffer body) {
    return body == null ? "" : body.toString(StandardCharsets.UTF_8);
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }
}
