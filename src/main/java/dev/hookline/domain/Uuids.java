package dev.hookline.domain;

import java.util.UUID;

/** Strict UUID parsing: {@link UUID#fromString} also accepts short, non-canonical forms such as "1-2-3-4-5". */
public final class Uuids {
  private Uuids() {
  }

  /** The UUID, or null when {@code text} is not one in canonical form. */
  public static UUID parseOrNull(String text) {
    if (text == null) {
      return null;
    }
    try {
      UUID uuid = UUID.fromString(text);
      return uuid.toString().equalsIgnoreCase(text) ? uuid : null;
    } catch (IllegalArgumentException notAUuid) {
      return null;
    }
  }
}
