package dev.hookline.store;

import java.net.URI;
import java.util.Locale;

/**
 * Reduces a URL to its origin, {@code scheme://host[:port]}: the unit endpoint health is kept per
 * (in-flight cap, circuit breaker), and what logs show of a destination, since paths and queries
 * often carry tenant secrets. Scheme and host are lower-cased and a default port is dropped, so
 * every spelling of one receiver is one origin.
 */
public final class Origins {
  public static final String INVALID = "<invalid url>";

  private Origins() {
  }

  public static String of(String url) {
    if (url == null) {
      return INVALID;
    }
    try {
      URI uri = URI.create(url);
      if (uri.getScheme() == null) {
        return INVALID;
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      if (uri.getHost() != null) {
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + port(scheme, uri.getPort());
      }
      // Hosts java.net.URI will not parse (e.g. with an underscore) still have an authority.
      String authority = uri.getRawAuthority();
      if (authority == null || authority.isEmpty()) {
        return INVALID;
      }
      return scheme + "://" + authority.substring(authority.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    } catch (RuntimeException e) {
      return INVALID;
    }
  }

  private static String port(String scheme, int port) {
    boolean isDefault = port < 0 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    return isDefault ? "" : ":" + port;
  }
}
