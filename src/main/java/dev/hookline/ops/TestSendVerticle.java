package dev.hookline.ops;

import dev.hookline.domain.BusReply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * The event-bus face of test sends: {@code hookline.delivery.test}, request/reply, the create body in
 * and the test's result out, as {@code POST /v1/test-deliveries} answers it; failures are 400 (bad
 * input, the field named) or 429 (the organization's limit).
 */
public final class TestSendVerticle extends VerticleBase {
  public static final String ADDRESS = "hookline.delivery.test";

  private final TestSends sends;
  private MessageConsumer<Object> consumer;

  public TestSendVerticle(TestSends sends) {
    this.sends = sends;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(ADDRESS, message -> BusReply.send(message, () -> sends.send(message.body())));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
