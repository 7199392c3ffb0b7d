package dev.hookline.delivery;

import dev.hookline.credentials.Credential;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.domain.AttemptLog;
import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.domain.GoneEndpoint;
import dev.hookline.domain.OutcomeEvent;
import dev.hookline.domain.OutcomeWrite;
import dev.hookline.domain.RecordResult;
import dev.hookline.domain.TimeSource;
import dev.hookline.events.EventPublisher;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.Schedule;
import dev.hookline.security.BlockedDestinationException;
import dev.hookline.security.DestinationGuard;
import dev.hookline.security.Redactor;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.GroupCommit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs one claimed attempt end to end: circuit check, credential, send, classify, fenced record,
 * re-queue. A claim whose origin's circuit has opened meanwhile is not sent but given back, with
 * its attempt, until the cool-down ends; the one probe of a cooled-down circuit goes out here.
 * The returned future always succeeds; failures are logged and left to the lease and the sweeper.
 * Outcomes of attempts that finish together are recorded by one statement. One runner serves
 * one delivery verticle instance and is used only from its event loop.
 */
public final class AttemptRunner {
  private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);
  private static final int LOGGED_BODY_CHARS = 200;
  private static final long WRITE_RETRY_START_MILLIS = 200;
  private static final long WRITE_RETRY_MAX_MILLIS = 5_000;
  private static final int OUTCOME_BATCH = 512;
  private static final int OUTCOME_FLUSHES = 1;
  private static final int GONE = 410;

  private final CredentialStore credentials;
  private final DestinationGuard guard;
  private final WebhookSender sender;
  private final OutboundRequests requests;
  private final RetryPolicy policy;
  private final Schedule schedule;
  private final HooklineMetrics metrics;
  private final EndpointHealth health;
  private final TimeSource time;
  private final DeliveryRepository repository;
  private final Vertx vertx;
  private final long timeoutNanos;
  private final long leaseNanos;
  private final GroupCommit<OutcomeWrite, RecordResult> outcomes;
  private final EventPublisher events;
  private final boolean disableOnGone;

  /**
   * {@code timeout} bounds the whole attempt, from the claim to the receiver's last byte: the
   * circuit check, the credential look-up, the DNS resolution and the send share one deadline, so
   * an attempt ends inside its {@code lease} (configuration keeps the lease longer than the
   * timeout). The lease also bounds how long a refused success write is retried.
   */
  public AttemptRunner(Vertx vertx, CredentialStore credentials, DestinationGuard guard, WebhookSender sender,
                       OutboundRequests requests, RetryPolicy policy, DeliveryRepository repository, Schedule schedule,
                       EndpointHealth health, HooklineMetrics metrics, TimeSource time, Duration timeout,
                       Duration lease, EventPublisher events, boolean disableOnGone) {
    this.events = events;
    this.disableOnGone = disableOnGone;
    this.health = health;
    this.time = time;
    this.repository = repository;
    this.vertx = vertx;
    this.timeoutNanos = Math.max(1, timeout.toNanos());
    this.leaseNanos = lease.toNanos();
    this.guard = guard;
    this.metrics = metrics;
    this.credentials = credentials;
    this.sender = sender;
    this.requests = requests;
    this.policy = policy;
    this.schedule = schedule;
    this.outcomes = new GroupCommit<>(repository::recordOutcomes, OUTCOME_BATCH, OUTCOME_FLUSHES);
  }

  /** Runs a delivery claimed by a statement sent at {@code claimedAtNanos} (on the {@link TimeSource}'s monotonic clock). */
  public Future<Void> run(ClaimedDelivery delivery, long claimedAtNanos) {
    Deadline deadline = new Deadline(time, claimedAtNanos + timeoutNanos);
    long leaseEnds = claimedAtNanos + leaseNanos;
    // admit() never fails and has its own short timeout; its time still counts against the deadline.
    return health.admit(delivery.origin()).compose(call -> switch (call.admission()) {
      case SEND, PROBE -> attempt(delivery, call, deadline, leaseEnds);
      case WAIT -> giveBack(delivery);
    });
  }

  private Future<Void> attempt(ClaimedDelivery delivery, CircuitBreaker.Call call, Deadline deadline, long leaseEnds) {
    return deadline.bound(credentials.resolve(delivery.organizationId(), delivery.credentialUuid()), "the credential look-up")
        .transform(credential -> credential.succeeded()
            ? send(delivery, credential.result(), deadline)
            : Future.succeededFuture(new Attempt(SendResult.failure(credential.cause(), 0),
                policy.internalFailure(delivery,
                    "credential_lookup_failed " + credential.cause().getClass().getSimpleName(), time.now()), null,
                Redactor.NONE)))
        // Endpoint health hears what the origin did (a null verdict: it was not tried).
        .compose(attempt -> Future.join(record(delivery, attempt, leaseEnds), health.report(call, attempt.verdict())))
        .otherwiseEmpty()
        .mapEmpty();
  }

  /**
   * Not sent: the origin's circuit is open. The claim's attempt is returned and the row is due
   * again when the circuit may have closed, so waiting out a broken receiver costs no attempt.
   * If this write fails the row keeps its lease and the attempt is spent, as after a crash.
   */
  private Future<Void> giveBack(ClaimedDelivery delivery) {
    return repository.release(delivery.id(), delivery.attempt(), health.retryDelay(delivery.origin()))
        .compose(due -> {
          metrics.deferred("circuit_open", 1);
          LOG.debug("delivery={} attempt={} not sent: circuit open for origin={}", delivery.id(), delivery.attempt(),
              delivery.origin());
          return due.isPresent() ? schedule.enqueueLater(delivery.id(), due.get().toEpochMilli()) : Future.succeededFuture();
        })
        .onFailure(e -> LOG.warn("delivery={} attempt={} deferred for an open circuit but not given back ({}); it is"
            + " retried after its lease", delivery.id(), delivery.attempt(), e.getMessage()))
        .otherwiseEmpty()
        .mapEmpty();
  }

  /**
   * Vets the destination (DNS answer checked and pinned), then sends; never fails. What comes back
   * is scrubbed of the secrets this attempt sent before anything stores or logs it.
   */
  private Future<Attempt> send(ClaimedDelivery delivery, Optional<Credential> credential, Deadline deadline) {
    Redactor secrets = credential.map(c -> Redactor.of(c.secrets())).orElse(Redactor.NONE);
    return deadline.bound(guard.vet(delivery.endpointUrl()), "the DNS resolution")
        .compose(target -> sender.send(requests.build(delivery, credential), target, deadline.remainingMillis()))
        .map(result -> {
          Verdict verdict = OutcomeClassifier.classify(result);
          return new Attempt(result.scrubbed(secrets), policy.decide(delivery, result, verdict, time.now()), verdict,
              secrets);
        })
        .recover(error -> {
          SendResult failed = SendResult.failure(error, 0);
          // A refused destination will not become acceptable by retrying it, and says nothing of the origin.
          if (error instanceof BlockedDestinationException) {
            return Future.succeededFuture(new Attempt(failed, AttemptOutcome.deadLetter(null, error.getMessage()),
                null, secrets));
          }
          Verdict verdict = OutcomeClassifier.classify(failed);
          return Future.succeededFuture(new Attempt(failed, policy.decide(delivery, failed, verdict, time.now()),
              verdict, secrets));
        });
  }

  private Future<Void> record(ClaimedDelivery delivery, Attempt attempt, long leaseEnds) {
    AttemptOutcome outcome = attempt.outcome();
    OutcomeWrite outcomeWrite = new OutcomeWrite(delivery.id(), delivery.attempt(), outcome, logOf(attempt),
        eventsOf(delivery, outcome), goneEndpoint(delivery, outcome));
    return write(delivery, outcomeWrite, leaseEnds, WRITE_RETRY_START_MILLIS)
        .compose(written -> {
          log(delivery, attempt, written);
          if (written.recorded() || written.cancelled()) {
            metrics.attempt(written.recorded() ? outcome.logName() : RecordResult.CANCELLED,
                attempt.result().latencyMillis());
          }
          events.publish(written.emitted());
          if (written.recorded() && outcome.status() == DeliveryStatus.PENDING) {
            // If this ZADD is lost the row is still pending and overdue later: the sweeper requeues it.
            return schedule.enqueueLater(delivery.id(), written.dueAt().toEpochMilli())
                .onFailure(e -> LOG.warn("delivery={} attempt={} retry recorded but not queued ({}); the sweeper will requeue it",
                    delivery.id(), delivery.attempt(), e.getMessage()));
          }
          return Future.succeededFuture();
        })
        .onFailure(e -> LOG.error("delivery={} attempt={} outcome={} could not be recorded ({}); the row stays pending"
                + " under its lease and is sent again after it", delivery.id(), delivery.attempt(),
            outcome.logName(), e.getMessage()));
  }

  /**
   * A delivered webhook must not be lost to a failed write: the success write is retried while
   * this worker still holds the lease. Once the lease is gone, the row is re-sent after it (the
   * receiver dedupes on the delivery id); the fence makes a late write from here harmless.
   */
  private Future<RecordResult> write(ClaimedDelivery delivery, OutcomeWrite outcomeWrite, long leaseEnds,
                                     long backoffMillis) {
    return outcomes.submit(outcomeWrite).recover(error -> {
      boolean delivered = outcomeWrite.outcome().status() == DeliveryStatus.SUCCEEDED;
      // Room for the wait and one more write before the lease ends.
      long marginNanos = TimeUnit.MILLISECONDS.toNanos(backoffMillis) + timeoutNanos;
      if (!delivered || time.nanoTime() + marginNanos > leaseEnds) {
        return Future.failedFuture(error);
      }
      LOG.warn("delivery={} attempt={} delivered but the success write failed ({}); retrying in {} ms",
          delivery.id(), delivery.attempt(), error.getMessage(), backoffMillis);
      Promise<RecordResult> retried = Promise.promise();
      vertx.setTimer(backoffMillis, id -> write(delivery, outcomeWrite, leaseEnds,
          Math.min(backoffMillis * 2, WRITE_RETRY_MAX_MILLIS)).onComplete(retried));
      return retried.future();
    });
  }

  /**
   * The events this outcome causes if it is recorded: its final outcome's, or a failed attempt's.
   * Event deliveries cause none, so events never beget events.
   */
  private List<OutcomeEvent> eventsOf(ClaimedDelivery delivery, AttemptOutcome outcome) {
    if (delivery.isEvent()) {
      return List.of();
    }
    String type = outcome.status() == DeliveryStatus.PENDING ? OutcomeEvent.ATTEMPT_FAILED
        : OutcomeEvent.typeOf(outcome.status());
    return List.of(event(type, delivery, outcome));
  }

  /** A 410 Gone from a caller's endpoint disables it for the organization (delivery.disableOnGone). */
  private GoneEndpoint goneEndpoint(ClaimedDelivery delivery, AttemptOutcome outcome) {
    boolean gone = outcome.statusCode() != null && outcome.statusCode() == GONE
        && outcome.status() == DeliveryStatus.DEAD_LETTER;
    if (!gone || !disableOnGone || delivery.isEvent()) {
      return null;
    }
    return new GoneEndpoint(delivery.organizationId(), delivery.endpointUrl(),
        event(OutcomeEvent.ENDPOINT_DISABLED, delivery, outcome));
  }

  private OutcomeEvent event(String type, ClaimedDelivery delivery, AttemptOutcome outcome) {
    return new OutcomeEvent(type, delivery.deliveryUuid(), delivery.id(), delivery.organizationId(),
        delivery.workflowRunId(), delivery.webhookNodeId(), delivery.attempt(), outcome.statusCode(), outcome.error(),
        time.now());
  }

  private static AttemptLog logOf(Attempt attempt) {
    SendResult result = attempt.result();
    Throwable error = result.error();
    return new AttemptLog(result.startedAt(), (int) Math.min(Integer.MAX_VALUE, result.latencyMillis()),
        result.statusCode(), error == null ? null : error.getClass().getName(),
        attempt.secrets().scrub(error instanceof BlockedDestinationException ? error.getMessage()
            : OutcomeClassifier.safeMessage(error)),
        result.bodyExcerpt(), result.contentType(), result.retryAfter());
  }

  private static void log(ClaimedDelivery delivery, Attempt attempt, RecordResult written) {
    AttemptOutcome outcome = attempt.outcome();
    // A success is the common case and its row and metrics say it all: DEBUG, so a busy worker
    // does not spend a few percent of its CPU formatting lines nobody reads. Failures stay INFO.
    boolean succeeded = outcome.status() == DeliveryStatus.SUCCEEDED;
    if (written.recorded() && (succeeded ? !LOG.isDebugEnabled() : !LOG.isInfoEnabled())) {
      return;
    }
    SendResult result = attempt.result();
    String latency = result.latencyMillis() + "ms";
    String status = outcome.statusCode() != null ? String.valueOf(outcome.statusCode()) : "-";
    String origin = delivery.origin();
    if (written.cancelled()) {
      LOG.warn("attempt {} of delivery={} was cancelled: {}; logged as cancelled and the delivery left as it is"
              + " (it would have been outcome={} status={} latency={} origin={}); the receiver may have received it",
          delivery.attempt(), delivery.id(), whyCancelled(delivery, written), outcome.logName(), status, latency,
          origin);
      return;
    }
    if (!written.recorded()) {
      LOG.warn("delivery={} attempt={} outcome={} not recorded: the delivery no longer exists, or this attempt's"
          + " outcome was already recorded", delivery.id(), delivery.attempt(), outcome.logName());
      return;
    }
    String error = outcome.error() == null ? "" : " error=\"" + outcome.error() + "\"";
    String next = outcome.status() == DeliveryStatus.PENDING ? " next_attempt_in=" + outcome.retryDelay().toMillis() + "ms" : "";
    LOG.atLevel(succeeded ? Level.DEBUG : Level.INFO).log(
        "delivery={} attempt={} budget={}/{} outcome={} status={} latency={} origin={}{}{}{}", delivery.id(),
        delivery.attempt(), delivery.budgetAttempt(), delivery.budget(), outcome.logName(), status, latency,
        origin, error, next, bodyExcerpt(outcome, result));
  }

  private static String whyCancelled(ClaimedDelivery delivery, RecordResult written) {
    if (written.cancelledByOperator(delivery.attempt())) {
      return "the delivery was cancelled while the attempt was in flight";
    }
    String newer = written.rowAttempt() > delivery.attempt() ? " (attempt " + written.rowAttempt() + ")" : "";
    return "its lease ran out before its outcome was written, and a newer attempt" + newer + " owns the delivery"
        + (DeliveryStatus.PENDING.column().equals(written.rowStatus()) ? "" : ", now " + written.rowStatus());
  }

  /** A failed answer's body often says why; a short, single-line excerpt is enough to act on. */
  private static String bodyExcerpt(AttemptOutcome outcome, SendResult result) {
    if (outcome.status() == DeliveryStatus.SUCCEEDED || result.bodyExcerpt() == null
        || result.bodyExcerpt().isBlank()) {
      return "";
    }
    String body = result.bodyExcerpt().replaceAll("[\\p{Cntrl}\"]+", " ").strip();
    return " body=\"" + (body.length() > LOGGED_BODY_CHARS ? body.substring(0, LOGGED_BODY_CHARS) + "…" : body) + "\"";
  }

  /**
   * {@code verdict}: what the result says about the origin's health, classified once; null when the
   * origin was not tried. {@code result} is already scrubbed; the outcome's error is scrubbed here, once.
   */
  private record Attempt(SendResult result, AttemptOutcome outcome, Verdict verdict, Redactor secrets) {
    Attempt {
      outcome = outcome.withError(secrets.scrub(outcome.error()));
    }
  }
}
