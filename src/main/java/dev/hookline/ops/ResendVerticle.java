package dev.hookline.ops;

import dev.hookline.domain.BusReply;
import dev.hookline.domain.Fields;
import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.ReplayFilter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * {@code hookline.delivery.resend}, request/reply: {@code {"deliveryUuid"}} resends that delivery
 * and answers its row; any other object is a bulk-resend filter (the HTTP body's fields) and is
 * answered {@code {"resent": n}}. Failures are the HTTP API's codes: 400, 404, 409, 503.
 */
public final class ResendVerticle extends VerticleBase {
  public static final String ADDRESS = "hookline.delivery.resend";

  private final Replay replay;
  private MessageConsumer<Object> consumer;

  public ResendVerticle(Replay replay) {
    this.replay = replay;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(ADDRESS, message -> BusReply.send(message, () -> resend(message.body())));
    return consumer.completion();
  }

  private Future<JsonObject> resend(Object body) {
    if (!(body instanceof JsonObject request)) {
      throw new InvalidRequestException("body", "must be a JSON object: {\"deliveryUuid\": ...} or a resend filter");
    }
    if (request.containsKey("deliveryUuid")) {
      return replay.resend(Fields.uuid(request, "deliveryUuid"));
    }
    return replay.resendAll(ReplayFilter.resend(request)).map(count -> new JsonObject().put("resent", count));
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
