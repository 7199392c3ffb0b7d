package dev.hookline.domain;

/**
 * One item of a multi-row create: a stored (or already existing) row, a tenant refusal, or a skip
 * ({@code skipped} names why; nothing was stored).
 */
public record CreateOutcome(CreateResult result, TenantMismatchException refused, String skipped) {

  public static CreateOutcome of(CreateResult result) {
    return new CreateOutcome(result, null, null);
  }

  public static CreateOutcome refused(TenantMismatchException refused) {
    return new CreateOutcome(null, refused, null);
  }

  public static CreateOutcome skipped(String reason) {
    return new CreateOutcome(null, null, reason);
  }
}
