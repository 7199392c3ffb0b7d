package dev.hookline.domain;

/**
 * An endpoint URL that answered 410 Gone, to disable for its organization in the same transaction
 * as the outcome that saw it. {@code origin} is the URL's ({@link Origins#of}). {@code event} is the
 * endpoint.disabled event, emitted only if this write is the one that disabled it.
 */
public record GoneEndpoint(long organizationId, String endpointUrl, String origin, OutcomeEvent event) {
  /** Why the disabled endpoint's pending deliveries were cancelled (their last error, and skipped creates' reason). */
  public static final String REASON = "endpoint_disabled";
}
