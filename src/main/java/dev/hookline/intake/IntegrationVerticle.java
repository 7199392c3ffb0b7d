package dev.hookline.intake;

import dev.hookline.store.StorageFailures;
import dev.hookline.store.TenantMismatchException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The event-bus face of intake: {@code hookline.delivery.create}, request/reply. */
public final class IntegrationVerticle extends VerticleBase {
  public static final String CREATE_ADDRESS = "hookline.delivery.create";
  private static final Logger LOG = LoggerFactory.getLogger(IntegrationVerticle.class);

  private final DeliveryIntake intake;
  private MessageConsumer<Object> consumer;

  public IntegrationVerticle(DeliveryIntake intake) {
    this.intake = intake;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(CREATE_ADDRESS, this::handle);
    return consumer.completion();
  }

  private void handle(Message<Object> message) {
    Future<CreateReply> reply;
    try {
      reply = intake.create(message.body());
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result().toJson());
        return;
      }
      Throwable error = ar.cause();
      if (error instanceof InvalidRequestException) {
        message.fail(400, error.getMessage());
      } else if (error instanceof TenantMismatchException) {
        message.fail(409, error.getMessage());
      } else if (StorageFailures.isStorageFailure(error)) {
        LOG.error("create failed: storage unavailable ({})", error.toString());
        message.fail(503, "storage unavailable: " + error.getClass().getSimpleName());
      } else {
        LOG.error("create failed unexpectedly", error);
        message.fail(500, "internal error: " + error.getClass().getSimpleName());
      }
    });
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
