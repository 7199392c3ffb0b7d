package dev.hookline.security;

import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Send-time SSRF check: resolve the URL's host, refuse it if any answer is refused, and hand back
 * the address to pin the connection to.
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
    return resolver.resolve(bareHost).compose(addresses -> {
      if (addresses.isEmpty()) {
        return Future.failedFuture(new UnknownHostException(bareHost));
      }
      // Every answer is checked, not just the first: the client may not connect to the one we looked at.
      for (InetAddress address : addresses) {
        String reason = policy.refusalReason(address);
        if (reason != null) {
          return Future.failedFuture(new BlockedDestinationException(
              bareHost + " resolves to " + address.getHostAddress() + " (" + reason + ")"));
        }
      }
      return Future.succeededFuture(new PinnedTarget(addresses.get(0), bareHost, port, ssl, requestUri));
    });
  }
}
