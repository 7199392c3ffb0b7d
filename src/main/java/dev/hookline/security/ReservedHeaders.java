package dev.hookline.security;

import java.util.Locale;

/**
 * The headers Hookline sets on every delivery, named once: the ids receivers dedupe on (under the
 * configured prefix) and the whole {@code webhook-} namespace that Standard Webhooks signs under.
 * No custom header or credential may set any of them.
 */
public record ReservedHeaders(String prefix) {
  private static final String SIGNATURE_NAMESPACE = "webhook-";

  public String deliveryId() {
    return prefix + "-Delivery-Id";
  }

  public String workflowRunId() {
    return prefix + "-Workflow-Run-Id";
  }

  public String attempt() {
    return prefix + "-Delivery-Attempt";
  }

  public boolean isReserved(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.startsWith(SIGNATURE_NAMESPACE) || lower.equalsIgnoreCase(deliveryId())
        || lower.equalsIgnoreCase(workflowRunId()) || lower.equalsIgnoreCase(attempt());
  }
}
