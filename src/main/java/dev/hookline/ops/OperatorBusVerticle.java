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
 * The event-bus face of what operators do over HTTP, request/reply, failing with the HTTP API's codes:
 * <ul>
 *   <li>{@value #RESEND_ADDRESS}: {@code {"deliveryUuid"}} resends that delivery and answers its row;
 *       any other object is a bulk-resend filter (the HTTP body's fields), answered
 *       {@code {"resent": n}} (400, 404, 409, 503);
 *   <li>{@value #TEST_ADDRESS}: the create body in, the test send's result out, as
 *       {@code POST /v1/test-deliveries} answers it (400, 429).
 * </ul>
 */
public final class OperatorBusVerticle extends VerticleBase {
  public static final String RESEND_ADDRESS = "hookline.delivery.resend";
  public static final String TEST_ADDRESS = "hookline.delivery.test";

  private final Replay replay;
  private final TestSends testSends;
  private MessageConsumer<Object> resends;
  private MessageConsumer<Object> tests;

  public OperatorBusVerticle(Replay replay, TestSends testSends) {
    this.replay = replay;
    this.testSends = testSends;
  }

  @Override
  public Future<?> start() {
    resends = vertx.eventBus().consumer(RESEND_ADDRESS, message -> BusReply.send(message, () -> resend(message.body())));
    tests = vertx.eventBus().consumer(TEST_ADDRESS, message -> BusReply.send(message, () -> testSends.send(message.body())));
    return Future.all(resends.completion(), tests.completion());
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
    return Future.all(resends.unregister(), tests.unregister());
  }
}
