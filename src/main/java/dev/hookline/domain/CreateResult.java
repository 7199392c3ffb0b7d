package dev.hookline.domain;

import java.time.Instant;
import java.util.UUID;

/** Outcome of get-or-create: {@code created} is false when the (run, node) pair already had a row. */
public record CreateResult(boolean created, long id, UUID deliveryUuid, Instant scheduledFor) {
}
