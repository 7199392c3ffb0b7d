package dev.hookline.store;

import java.util.List;

/**
 * The rows a claim won, and the popped ids it could not claim that are still pending (leased by
 * another worker, or not due yet by the database clock). Those go back on the schedule at their
 * own due time so they never depend on the sweeper to be picked up again.
 */
public record ClaimResult(List<ClaimedDelivery> claimed, List<DueRef> stillPending) {
}
