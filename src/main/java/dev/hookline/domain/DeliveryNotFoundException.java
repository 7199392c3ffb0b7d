package dev.hookline.domain;

import java.util.UUID;

/** No delivery has this uuid (or, for a tenant, none that it may see): a 404 on HTTP and on the event bus. */
public final class DeliveryNotFoundException extends RuntimeException {
  public DeliveryNotFoundException(UUID uuid) {
    super("no delivery " + uuid, null, false, false);
  }
}
