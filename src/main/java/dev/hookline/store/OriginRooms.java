package dev.hookline.store;

import java.util.Map;

/**
 * How many deliveries one claim may take per origin: {@code limited} names the origins with a
 * room of their own (0 leaves them all unclaimed); any other origin may take {@code otherOrigins}.
 */
public record OriginRooms(Map<String, Integer> limited, int otherOrigins) {
  public OriginRooms {
    limited = Map.copyOf(limited);
  }

  /** No origin is limited beyond {@code perOrigin}. */
  public static OriginRooms uniform(int perOrigin) {
    return new OriginRooms(Map.of(), perOrigin);
  }
}
