package dev.hookline.domain;

import java.util.Map;

/**
 * How many deliveries one claim may take per origin: {@code limited} names the origins with a
 * room of their own (0 leaves them all unclaimed); any other origin may take {@code otherOrigins}.
 */
public record OriginRooms(Map<String, Integer> limited, int otherOrigins) {
  public OriginRooms {
    limited = Map.copyOf(limited);
  }
}
