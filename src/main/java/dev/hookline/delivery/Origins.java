package dev.hookline.delivery;

import java.net.URI;

/** Reduces a URL to scheme://host[:port] for logs: paths and queries often carry tenant secrets. */
public final class Origins {
  private Origins() {
  }

  public static String of(String url) {
    try {
      URI uri = URI.create(url);
      String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
      return uri.getScheme() + "://" + uri.getHost() + port;
    } catch (RuntimeException e) {
      return "<invalid url>";
    }
  }
}
