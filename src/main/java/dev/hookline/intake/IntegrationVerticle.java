package dev.hookline.intake;

import dev.hookline.domain.BusReply;
import dev.hookline.domain.InvalidRequestException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;

/**
 * The event-bus face of intake: {@code hookline.delivery.create} (one create, request/reply) and
 * {@code hookline.delivery.create-batch} (a JSON array of creates, answered by an array of
 * per-item results in the same order).
 */
public final class IntegrationVerticle extends VerticleBase {
  public static final String CREATE_ADDRESS = "hookline.delivery.create";
  public static final String CREATE_BATCH_ADDRESS = "hookline.delivery.create-batch";

  private final DeliveryIntake intake;
  private final boolean singles;
  private DeliveryIntake.Grouped grouped;
  private MessageConsumer<Object> single;
  private MessageConsumer<Object> batch;

  public IntegrationVerticle(DeliveryIntake intake) {
    this(intake, true);
  }

  /**
   * {@code singles} false consumes batches only. Single creates belong on one instance, where
   * concurrent ones meet in one group and share transactions; batches are groups already and can
   * spread over several event loops.
   */
  public IntegrationVerticle(DeliveryIntake intake, boolean singles) {
    this.intake = intake;
    this.singles = singles;
  }

  @Override
  public Future<?> start() {
    grouped = intake.grouped();
    if (singles) {
      single = vertx.eventBus().consumer(CREATE_ADDRESS, message -> BusReply.send(message, () ->
          grouped.create(message.body()).map(CreateReply::toJson)));
    }
    batch = vertx.eventBus().consumer(CREATE_BATCH_ADDRESS, message -> BusReply.send(message, () -> {
      if (!(message.body() instanceof JsonArray creates)) {
        return Future.failedFuture(new InvalidRequestException("body", "must be a JSON array of create requests"));
      }
      return intake.createAll(creates).map(items -> {
        JsonArray replies = new JsonArray();
        items.forEach(item -> replies.add(item.toJson()));
        return replies;
      });
    }));
    return single == null ? batch.completion() : Future.all(single.completion(), batch.completion());
  }

  @Override
  public Future<?> stop() {
    return single == null ? batch.unregister() : Future.all(single.unregister(), batch.unregister());
  }
}
