package dev.hookline.store;

import java.time.OffsetDateTime;

/**
 * When a pending row can next be claimed: the later of its due time and its lease. Rows leased
 * before the lease had a column of its own (schema v13) hold their lease in scheduled_for, so the
 * later of the two is the answer for both kinds.
 */
final class NextDue {
  private NextDue() {
  }

  static OffsetDateTime of(OffsetDateTime scheduledFor, OffsetDateTime leasedUntil) {
    return leasedUntil != null && leasedUntil.isAfter(scheduledFor) ? leasedUntil : scheduledFor;
  }
}
