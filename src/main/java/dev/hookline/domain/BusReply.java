package dev.hookline.domain;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers an event-bus request from its future: the result, or the {@link Failure}'s code and message. */
public final class BusReply {
  private static final Logger LOG = LoggerFactory.getLogger(BusReply.class);

  private BusReply() {
  }

  /** As below, with a failure thrown while {@code action} builds its future answered like any other. */
  public static void send(Message<?> message, Supplier<? extends Future<?>> action) {
    Future<?> result;
    try {
      result = action.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    send(message, result);
  }

  public static void send(Message<?> message, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
        return;
      }
      // The event bus is trusted (senders are Hookline's own services): it sees who owns a run.
      Failure failure = Failure.of(ar.cause(), true);
      if (failure.kind() == Failure.Kind.INTERNAL) {
        LOG.error("{} failed unexpectedly", message.address(), ar.cause());
      } else if (failure.isServerSide()) {
        LOG.error("{} failed: {} ({})", message.address(), failure.message(), ar.cause().toString());
      }
      message.fail(failure.busCode(), failure.message());
    });
  }
}
