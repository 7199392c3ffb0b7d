package dev.hookline.domain;

/** A workflow run already belongs to another organization; nothing was written. */
public final class TenantMismatchException extends RuntimeException {
  private final long workflowRunId;

  public TenantMismatchException(long workflowRunId, long owner, long requested) {
    super("workflow run " + workflowRunId + " belongs to organization " + owner + ", not " + requested);
    this.workflowRunId = workflowRunId;
  }

  /** The message for a caller that may not learn which organization owns the run. */
  public String withoutOwner() {
    return "workflow run " + workflowRunId + " belongs to another organization";
  }
}
