package dev.hookline.domain;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reduces a URL to its origin, {@code scheme://host[:port]}: the unit endpoint health is kept per
 * (in-flight cap, circuit breaker), and what logs show of a destination, since paths and queries
 * often carry tenant secrets. Scheme and host are lower-cased and a default port is dropped, so
 * every spelling of one receiver is one origin.
 */
public final class Origins {
  public static final String INVALID = "<invalid url>";
  private static final Pattern HOST_PORT = Pattern.compile("([^:]*)(?::([0-9]{1,5}))?");

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
      Matcher hostPort = HOST_PORT.matcher(authority.substring(authority.lastIndexOf('@') + 1));
      if (!hostPort.matches()) {
        return INVALID;
      }
      String port = hostPort.group(2);
      return scheme + "://" + hostPort.group(1).toLowerCase(Locale.ROOT)
          + port(scheme, port == null || port.isEmpty() ? -1 : Integer.parseInt(port));
    } catch (RuntimeException e) {
      return INVALID;
    }
  }

  private static String port(String scheme, int port) {
    boolean isDefault = port < 0 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    return isDefault ? "" : ":" + port;
  }
}
