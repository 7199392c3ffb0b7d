package dev.hookline.intake;

import dev.hookline.delivery.DeliveryVerticle;
import dev.hookline.ops.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.CreateResult;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.NewDelivery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates, renders and stores one create request, then queues it. The row is committed before
 * the id is queued; if queueing fails the row is still durable and the sweeper queues it.
 */
public final class DeliveryIntake {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryIntake.class);

  private final Vertx vertx;
  private final DeliveryRepository repository;
  private final DueQueue queue;
  private final PayloadFreezer payloads;
  private final int maxAttempts;
  private final HooklineMetrics metrics;
  private final CreateRequestParser parser;

  public DeliveryIntake(Vertx vertx, DeliveryRepository repository, DueQueue queue, CreateRequestParser parser,
                        PayloadFreezer payloads, int maxAttempts, HooklineMetrics metrics) {
    this.metrics = metrics;
    this.parser = parser;
    this.vertx = vertx;
    this.repository = repository;
    this.queue = queue;
    this.payloads = payloads;
    this.maxAttempts = maxAttempts;
  }

  /** Fails with {@link InvalidRequestException} (400), a tenant mismatch (409) or a storage error (503). */
  public Future<CreateReply> create(Object body) {
    return attempt(body).onSuccess(reply -> metrics.created(reply.status()));
  }

  private Future<CreateReply> attempt(Object body) {
    CreateRequest request;
    NewDelivery delivery;
    HeaderFilter.Filtered headers;
    try {
      request = parser.parse(body);
      if (!request.enabled()) {
        return Future.succeededFuture(CreateReply.skipped("disabled"));
      }
      headers = HeaderFilter.filter(request.customHeaders());
      String payload = payloads.freeze(request.payloadTemplate(), request.renderContext());
      delivery = new NewDelivery(request.organizationId(), request.workflowRunId(), request.webhookNodeId(),
          request.webhookName(), request.endpointUrl(), request.httpMethod(), payload, headers.kept(),
          request.credentialUuid(), maxAttempts);
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    return repository.getOrCreate(delivery).compose(result -> {
      CreateReply reply = new CreateReply(result.created() ? "created" : "existing", result.id(),
          result.deliveryUuid(), headers.dropped(), null);
      return result.created() ? queue(result).map(reply) : Future.succeededFuture(reply);
    });
  }

  private Future<Void> queue(CreateResult result) {
    return queue.enqueue(result.id(), result.scheduledFor().toEpochMilli())
        .onSuccess(queued -> DeliveryVerticle.wake(vertx))
        .recover(error -> {
          LOG.warn("delivery={} stored but not queued ({}); the sweeper will queue it", result.id(), error.getMessage());
          return Future.succeededFuture();
        });
  }
}
