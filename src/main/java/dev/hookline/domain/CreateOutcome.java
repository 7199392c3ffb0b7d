package dev.hookline.domain;

/** One item of a multi-row create: either a stored (or already existing) row, or a tenant refusal. */
public record CreateOutcome(CreateResult result, TenantMismatchException refused) {

  public static CreateOutcome of(CreateResult result) {
    return new CreateOutcome(result, null);
  }

  public static CreateOutcome refused(TenantMismatchException refused) {
    return new CreateOutcome(null, refused);
  }
}
