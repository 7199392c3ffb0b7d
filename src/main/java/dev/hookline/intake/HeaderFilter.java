package dev.hookline.intake;

import dev.hookline.domain.CustomHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Drops custom headers that look like they carry a secret: secrets belong in a referenced
 * credential, never on the delivery row. Bare "key" is deliberately not a marker so
 * {@code X-Idempotency-Key} survives.
 */
public final class HeaderFilter {
  private static final List<String> SECRET_MARKERS = List.of("authorization", "auth", "token", "secret", "password",
      "passwd", "cookie", "credential", "api-key", "apikey", "api_key", "access-key");

  private HeaderFilter() {
  }

  public static Filtered filter(List<CustomHeader> headers) {
    List<CustomHeader> kept = new ArrayList<>(headers.size());
    List<String> dropped = new ArrayList<>();
    for (CustomHeader header : headers) {
      if (isSecret(header.key())) {
        dropped.add(header.key());
      } else {
        kept.add(header);
      }
    }
    return new Filtered(List.copyOf(kept), List.copyOf(dropped));
  }

  public static boolean isSecret(String headerName) {
    String normalized = headerName.trim().toLowerCase(Locale.ROOT);
    for (String marker : SECRET_MARKERS) {
      if (normalized.contains(marker)) {
        return true;
      }
    }
    return false;
  }

  public record Filtered(List<CustomHeader> kept, List<String> dropped) {
  }
}
