package dev.hookline.domain;

/** A due delivery a claim left unclaimed because its origin had no room. */
public record HeldDelivery(long id, String origin) {
}
