package dev.hookline.domain;

/** A pending delivery id with its due time in epoch milliseconds: exactly what the Redis schedule holds. */
public record DueRef(long id, long dueAtMillis) {
}
