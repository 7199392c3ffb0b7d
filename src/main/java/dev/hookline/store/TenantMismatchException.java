package dev.hookline.store;

/** A workflow run already belongs to another organization; nothing was written. */
public final class TenantMismatchException extends RuntimeException {
  public TenantMismatchException(long workflowRunId, long owner, long requested) {
    super("workflow run " + workflowRunId + " belongs to organization " + owner + ", not " + requested);
  }
}
