package dev.hookline.delivery;

import java.net.URI;

/** Reduces a URL to scheme://host[:port] for logs: paths and queries often carry tenant secrets. */
public final class Origins {
  private static final String INVALID = "<invalid url>";

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
      if (uri.getHost() != null) {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        return uri.getScheme() + "://" + uri.getHost() + port;
      }
      // Hosts java.net.URI will not parse (e.g. with an underscore) still have an authority.
      String authority = uri.getRawAuthority();
      if (authority == null || authority.isEmpty()) {
        return INVALID;
      }
      return uri.getScheme() + "://" + authority.substring(authority.lastIndexOf('@') + 1);
    } catch (RuntimeException e) {
      return INVALID;
    }
  }
}
