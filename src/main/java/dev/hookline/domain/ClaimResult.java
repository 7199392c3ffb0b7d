package dev.hookline.domain;

import java.util.List;

/**
 * What one claim did with the popped ids: the rows it won; the due rows it {@code held} back,
 * unclaimed, because their origin had no room (the caller decides when they are tried again);
 * and the ids still pending but not claimable (leased by another worker, or not due yet by the
 * database clock). Those go back on the schedule at their own due time so they never depend on
 * the sweeper to be picked up again. {@code ended}: due rows whose window has ended with nothing
 * left to settle, for the caller to expire rather than schedule again.
 */
public record ClaimResult(List<ClaimedDelivery> claimed, List<DueRef> stillPending, List<HeldDelivery> held,
                          List<Long> ended) {
}
