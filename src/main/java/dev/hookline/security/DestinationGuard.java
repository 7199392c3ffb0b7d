package dev.hookline.security;

import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * SSRF check on a resolved host: resolve it, refuse it if any answer is refused, and hand back the
 * address to pin the connection to. Runs at send time (the real guard) and, for names, at create.
 */
public final class DestinationGuard {
  private final AddressPolicy policy;
  private final HostResolver resolver;

  public DestinationGuard(AddressPolicy policy, HostResolver resolver) {
    this.policy = policy;
    this.resolver = resolver;
  }

  /** Fails with {@link BlockedDestinationException} for a refused destination; resolver errors pass through. */
  public Future<PinnedTarget> vet(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new BlockedDestinationException("invalid URL"));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (!(scheme.equals("http") || scheme.equals("https")) || host == null || uri.getRawUserInfo() != null) {
      return Future.failedFuture(new BlockedDestinationException("not an http(s) URL with a plain host"));
    }
    String literalProblem = policy.checkHostLiteral(host);
    if (literalProblem != null) {
      return Future.failedFuture(new BlockedDestinationException(literalProblem));
    }
    boolean ssl = scheme.equals("https");
    int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
    String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    String requestUri = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return vetHost(bareHost).map(address -> new PinnedTarget(address, bareHost, port, ssl, requestUri));
  }

  /**
   * Resolves a bare host name (no brackets, no port) and answers its first address once every answer
   * passes. Fails with {@link BlockedDestinationException} naming the refused answer and how to allow
   * it; resolver errors pass through, and an empty answer fails as {@link UnknownHostException}.
   */
  public Future<InetAddress> vetHost(String bareHost) {
    return resolver.resolve(bareHost).compose(addresses -> {
      if (addresses.isEmpty()) {
        return Future.failedFuture(new UnknownHostException(bareHost));
      }
      // Every answer is checked, not just the first: the client may not connect to the one we looked at.
      for (InetAddress address : addresses) {
        String reason = policy.refusalReason(address);
        if (reason != null) {
          return Future.failedFuture(new BlockedDestinationException(bareHost + " resolves to "
              + address.getHostAddress() + " (" + reason + "); " + policy.allowHint(address)));
        }
      }
      return Future.succeededFuture(addresses.get(0));
    });
  }
}
