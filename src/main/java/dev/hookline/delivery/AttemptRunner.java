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
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
  private final GroupCommit<OutcomeWrite, RecordResult> outcomes;
  private final EventPublisher events;
  private final boolean disableOnGone;

  /**
   * {@code timeout} bounds the whole attempt, from the claim to the receiver's last byte: the
   * circuit check, the credential look-up, the DNS resolution and the send share one deadline, so
   * an attempt ends inside its lease (configuration keeps the lease longer than the timeout).
   */
  public AttemptRunner(Vertx vertx, CredentialStore credentials, DestinationGuard guard, WebhookSender sender,
                       OutboundRequests requests, RetryPolicy policy, DeliveryRepository repository, Schedule schedule,
                       EndpointHealth health, HooklineMetrics metrics, TimeSource time, Duration timeout,
                       EventPublisher events, boolean disableOnGone) {
    this.events = events;
    this.disableOnGone = disableOnGone;
    this.health = health;
    this.time = time;
    this.repository = repository;
    this.vertx = vertx;
    this.timeoutNanos = Math.max(1, timeout.toNanos());
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
    // admit() never fails and has its own short timeout; its time still counts against the deadline.
    return health.admit(delivery.origin()).compose(admission -> switch (admission) {
      case SEND -> attempt(delivery, false, deadline);
      case PROBE -> attempt(delivery, true, deadline);
      case WAIT -> giveBack(delivery);
    });
  }

  private Future<Void> attempt(ClaimedDelivery delivery, boolean probe, Deadline deadline) {
    return deadline.bound(credentials.resolve(delivery.organizationId(), delivery.credentialUuid()), "the credential look-up")
        .transform(credential -> credential.succeeded()
            ? send(delivery, credential.result(), deadline)
            : Future.succeededFuture(new Attempt(SendResult.failure(credential.cause(), 0),
                policy.internalFailure(delivery,
                    "credential_lookup_failed " + credential.cause().getClass().getSimpleName(), time.now()), null,
                Redactor.NONE)))
        .compose(attempt -> Future.join(record(delivery, attempt), judge(delivery, attempt, probe)))
        .otherwiseEmpty()
        .mapEmpty();
  }

  /** Tells endpoint health what the origin did; results that say nothing about it are not counted. */
  private Future<Void> judge(ClaimedDelivery delivery, Attempt attempt, boolean probe) {
    if (attempt.verdict() == null) {
      return Future.succeededFuture();
    }
    return health.report(delivery.origin(), attempt.verdict(), probe);
  }

  /**
   * Not sent: the origin's circuit is open. The claim's attempt is returned and the row is due
   * again when the circuit may have closed, so waiting out a broken receiver costs no attempt.
   * A release Postgres refuses is tried again until it answers: a claim that sent nothing must not
   * count as an attempt that may have reached the receiver. The release is fenced, so once the
   * lease is over and another worker has the row, a late one changes nothing.
   */
  private Future<Void> giveBack(ClaimedDelivery delivery) {
    return Retrying.untilAnswered(vertx,
            () -> repository.release(delivery.id(), delivery.attempt(), delivery.replays(),
                health.retryDelay(delivery.origin())),
            WRITE_RETRY_START_MILLIS, WRITE_RETRY_MAX_MILLIS, Integer.MAX_VALUE,
            (error, delay, failures) -> {
              if (failures == 1) {
                LOG.warn("delivery={} attempt={} deferred for an open circuit but not given back yet ({}); retrying"
                    + " until Postgres answers", delivery.id(), delivery.attempt(), error.getMessage());
              }
            })
        .compose(due -> {
          metrics.deferred("circuit_open", 1);
          LOG.debug("delivery={} attempt={} not sent: circuit open for origin={}", delivery.id(), delivery.attempt(),
              delivery.origin());
          return due.isPresent() ? schedule.enqueueLater(delivery.id(), due.get().toEpochMilli()) : Future.succeededFuture();
        })
        .otherwiseEmpty()
        .mapEmpty();
  }

  /**
   * Ends as expired the due rows a claim found past their window with nothing left to settle, so
   * they do not go round between the schedule and the claim until a sweep sees them. If this fails
   * they are overdue and off the schedule: the sweeper expires them.
   */
  public Future<Void> expire(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return repository.expire(ids)
        .compose(expired -> events.publish(expired.emitted()))
        .onFailure(e -> LOG.warn("{} deliveries past their window could not be expired now ({}); the sweeper will",
            ids.size(), e.getMessage()))
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

  private Future<Void> record(ClaimedDelivery delivery, Attempt attempt) {
    AttemptOutcome outcome = attempt.outcome();
    OutcomeWrite outcomeWrite = new OutcomeWrite(delivery.id(), delivery.attempt(), delivery.replays(), outcome,
        logOf(attempt), eventsOf(delivery, outcome), goneEndpoint(delivery, outcome));
    return write(delivery, outcomeWrite)
        .onFailure(e -> LOG.error("delivery={} attempt={} outcome={} could not be recorded ({}); the row stays pending"
                + " under its lease and is sent again after it", delivery.id(), delivery.attempt(),
            outcome.logName(), e.getMessage()))
        .compose(written -> {
          log(delivery, attempt, written);
          if (written.recorded() || written.cancelled()) {
            metrics.attempt(written.recorded() ? outcome.logName() : RecordResult.CANCELLED,
                attempt.result().latencyMillis());
          }
          events.publish(written.emitted());
          if (written.recorded() && outcome.status() == DeliveryStatus.PENDING) {
            // The outcome is recorded whatever Redis does: if this ZADD is lost the row is still
            // pending and overdue later, and the sweeper requeues it. Said once, not as a failure.
            return schedule.enqueueLater(delivery.id(), written.dueAt().toEpochMilli())
                .recover(e -> {
                  LOG.warn("delivery={} attempt={} retry recorded but not queued ({}); the sweeper will requeue it",
                      delivery.id(), delivery.attempt(), e.getMessage());
                  return Future.succeededFuture();
                });
          }
          return Future.succeededFuture();
        });
  }

  /**
   * A delivered webhook must not be lost to a failed write: the success write is retried until
   * Postgres answers it, past the lease too, since the fence still accepts it until another worker
   * claims the row again (that worker then sends it once more and records its own success; the
   * receiver dedupes on the delivery id, and this write is fenced out). Any other outcome is
   * written once: if that fails, the row is sent again after its lease.
   */
  private Future<RecordResult> write(ClaimedDelivery delivery, OutcomeWrite outcomeWrite) {
    if (outcomeWrite.outcome().status() != DeliveryStatus.SUCCEEDED) {
      return outcomes.submit(outcomeWrite);
    }
    return Retrying.untilAnswered(vertx, () -> outcomes.submit(outcomeWrite), WRITE_RETRY_START_MILLIS,
        WRITE_RETRY_MAX_MILLIS, Integer.MAX_VALUE, (error, delay, failures) -> {
          if (failures == 1) {
            LOG.warn("delivery={} attempt={} delivered but the success write failed ({}); retrying until Postgres"
                + " answers", delivery.id(), delivery.attempt(), error.getMessage());
          } else {
            LOG.debug("delivery={} attempt={} success write failed {} times ({}); retrying in {} ms", delivery.id(),
                delivery.attempt(), failures, error.getMessage(), delay);
          }
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
    return new GoneEndpoint(delivery.organizationId(), delivery.endpointUrl(), delivery.origin(),
        event(OutcomeEvent.ENDPOINT_DISABLED, delivery, outcome));
  }

  private OutcomeEvent event(String type, ClaimedDelivery delivery, AttemptOutcome outcome) {
    return new OutcomeEvent(type, delivery.deliveryUuid(), delivery.id(), delivery.organizationId(),
        delivery.workflowRunId(), delivery.webhookNodeId(), delivery.attempt(), outcome.statusCode(), outcome.error(),
        time.now(), delivery.replays());
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
    if (written.replayedSince(delivery.replays())) {
      return "the delivery was cancelled or disabled while the attempt was in flight, then replayed (retried or"
          + " resent), and its new budget is decided by its own attempts";
    }
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
