package dev.hookline.delivery;

import dev.hookline.credentials.Credential;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.Origins;
import dev.hookline.domain.TimeSource;
import dev.hookline.security.BlockedDestinationException;
import dev.hookline.security.DestinationGuard;
import dev.hookline.security.Redactor;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Sends a rendered, never stored delivery once, as a real attempt would go out (its credential,
 * the destination guard with its pinned address, Standard Webhooks signing, the stable id headers
 * with a fresh delivery uuid and attempt 1), and says what came back. It bypasses the circuit
 * breaker and the per-origin slots, and tells them nothing: a test is how an operator checks a
 * receiver whose circuit is open. Records nothing.
 */
public final class TestSender {
  private final CredentialStore credentials;
  private final DestinationGuard guard;
  private final WebhookSender sender;
  private final OutboundRequests requests;
  private final TimeSource time;
  private final long timeoutNanos;

  /** {@code timeout} bounds the whole test, as {@code delivery.timeoutSeconds} bounds an attempt. */
  public TestSender(CredentialStore credentials, DestinationGuard guard, WebhookSender sender, OutboundRequests requests,
                    TimeSource time, Duration timeout) {
    this.credentials = credentials;
    this.guard = guard;
    this.sender = sender;
    this.requests = requests;
    this.time = time;
    this.timeoutNanos = Math.max(1, timeout.toNanos());
  }

  /**
   * Fails only before anything is sent: with {@link InvalidRequestException} on
   * {@code webhook.credentialUuid} for a credential this organization does not have (or cannot use),
   * or as a storage failure when the credential cannot be read. Everything after is the result.
   */
  public Future<TestSendResult> send(NewDelivery delivery) {
    Deadline deadline = new Deadline(time, time.nanoTime() + timeoutNanos);
    return deadline.bound(credential(delivery), "the credential look-up").compose(credential -> {
      Redactor secrets = credential.map(c -> Redactor.of(c.secrets())).orElse(Redactor.NONE);
      boolean signed = credential.map(c -> c.signer() != null).orElse(false);
      ClaimedDelivery attempt = new ClaimedDelivery(0, UUID.randomUUID(), delivery.organizationId(),
          delivery.workflowRunId(), delivery.endpointUrl(), delivery.httpMethod(), delivery.payload(),
          delivery.customHeaders(), delivery.credentialUuid(), 1, 1, 1, Origins.of(delivery.endpointUrl()));
      return deadline.bound(guard.vet(delivery.endpointUrl()), "the DNS resolution")
          .compose(target -> sender.send(requests.build(attempt, credential), target, deadline.remainingMillis()))
          .map(result -> answered(result.scrubbed(secrets), signed, secrets))
          .recover(error -> Future.succeededFuture(notSent(error, signed, secrets)));
    });
  }

  private Future<Optional<Credential>> credential(NewDelivery delivery) {
    return credentials.resolve(delivery.organizationId(), delivery.credentialUuid()).compose(credential -> {
      if (delivery.credentialUuid() != null && credential.isEmpty()) {
        // The same words for another organization's credential as for none: a tenant learns nothing of others.
        return Future.failedFuture(new InvalidRequestException("webhook.credentialUuid", "organization "
            + delivery.organizationId() + " has no usable credential " + delivery.credentialUuid()));
      }
      return Future.succeededFuture(credential);
    });
  }

  /** The request went out: an answer, or the network error or timeout that took its place. */
  private static TestSendResult answered(SendResult result, boolean signed, Redactor secrets) {
    if (result.statusCode() == null) {
      return new TestSendResult(TestSendResult.FAILED, null, result.latencyMillis(), Map.of(), null,
          secrets.scrub(OutcomeClassifier.describe(result)), signed, true);
    }
    String outcome = OutcomeClassifier.classifyStatus(result.statusCode()) == Verdict.SUCCESS
        ? TestSendResult.SUCCEEDED : TestSendResult.FAILED;
    return new TestSendResult(outcome, result.statusCode(), result.latencyMillis(),
        TestSendResult.joined(result.headers()), result.bodyExcerpt(), null, signed, true);
  }

  /** Nothing went out: the guard refused the destination, or its name did not resolve in time. */
  private static TestSendResult notSent(Throwable error, boolean signed, Redactor secrets) {
    boolean refused = error instanceof BlockedDestinationException;
    String described = refused ? error.getMessage() : OutcomeClassifier.describe(SendResult.failure(error, 0));
    return new TestSendResult(refused ? TestSendResult.REFUSED : TestSendResult.FAILED, null, 0, Map.of(), null,
        secrets.scrub(described), signed, false);
  }
}
