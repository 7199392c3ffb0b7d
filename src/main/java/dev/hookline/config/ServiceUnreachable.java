package dev.hookline.config;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Postgres or Redis could not be reached. The client's own error ("Connection refused:
 * /127.0.0.1:6390", "The connection attempt failed.") names neither the service nor the setting
 * that points at it; this says which service, its URL without the password, why, and the key and
 * variable to check. Other failures are passed through unchanged.
 */
public final class ServiceUnreachable extends RuntimeException {
  private static final int MAX_CAUSES = 16;

  private ServiceUnreachable(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code error} itself, unless it is a failure to connect to {@code postgres}. */
  public static Throwable postgres(HooklineConfig.Postgres postgres, Throwable error) {
    String host;
    int port;
    try {
      var options = postgres.connectOptions();
      host = options.getHost();
      port = options.getPort();
    } catch (RuntimeException unparsable) {
      return error;
    }
    return explain("Postgres", postgres.redactedUrl(), "postgres.url", host, port, error);
  }

  /**
   * {@code error} itself, unless it is a failure to connect to {@code redis}. A cluster's or the
   * sentinels' client tries each URL in turn and reports them all in one message, with no socket
   * error to recognise, so for those every failure is told as unreachable, with the URLs masked.
   */
  public static Throwable redis(HooklineConfig.Redis redis, Throwable error) {
    if (redis.type() != HooklineConfig.Redis.Type.STANDALONE) {
      return new ServiceUnreachable(redis.describe() + " cannot be reached: "
          + HooklineConfig.maskPasswords(String.valueOf(error.getMessage())), error);
    }
    URI uri;
    try {
      uri = URI.create(redis.url());
    } catch (RuntimeException unparsable) {
      return error;
    }
    return explain("Redis", redis.redactedUrl(), "redis.url", uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(),
        error);
  }

  /** As {@link #postgres(HooklineConfig.Postgres, Throwable)}, for code that throws rather than fails a future. */
  public static RuntimeException postgres(HooklineConfig.Postgres postgres, RuntimeException error) {
    Throwable explained = postgres(postgres, (Throwable) error);
    return explained instanceof RuntimeException runtime ? runtime : error;
  }

  private static Throwable explain(String service, String redactedUrl, String key, String host, int port, Throwable error) {
    return reason(error, service, host, port)
        .<Throwable>map(why -> new ServiceUnreachable(service + " at " + redactedUrl + " cannot be reached: " + why
            + "; check " + key + " (" + ConfigLoader.envName(key.substring(0, key.indexOf('.')),
            key.substring(key.indexOf('.') + 1)) + ")", error))
        .orElse(error);
  }

  /**
   * Why connecting failed, found anywhere in the cause chain (JDBC and Vert.x wrap the socket's
   * error differently); empty when the failure is not about connecting. The original messages are
   * not repeated, only the host and port, which the redacted URL shows anyway.
   */
  static Optional<String> reason(Throwable error, String service, String host, int port) {
    String address = host + ":" + port;
    Throwable e = error;
    for (int depth = 0; e != null && depth < MAX_CAUSES; depth++, e = e.getCause()) {
      if (e instanceof UnknownHostException) {
        return Optional.of("host " + host + " could not be resolved");
      }
      // Netty's connect timeout is a ConnectException too, so it is asked first.
      if (e instanceof ConnectTimeoutException || e instanceof SocketTimeoutException) {
        return Optional.of("connecting to " + address + " timed out");
      }
      if (e instanceof NoRouteToHostException) {
        return Optional.of("no route to " + address);
      }
      if (e instanceof ConnectException) {
        return Optional.of(String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("refused")
            ? "connection to " + address + " was refused (is " + service + " running there?)"
            : "connecting to " + address + " failed (" + e.getMessage() + ")");
      }
    }
    return Optional.empty();
  }
}
