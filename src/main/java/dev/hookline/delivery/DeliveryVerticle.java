package dev.hookline.delivery;

import dev.hookline.ops.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.DeliveryRepository;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;

/** Wires one {@link DeliveryPump} to this instance's event loop and to the local wake signal. */
public final class DeliveryVerticle extends VerticleBase {
  /** Local-only address published to whenever a delivery is queued for now. */
  public static final String WAKE_ADDRESS = "hookline.internal.wake";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final int ONE_POP = 64;

  private final DueQueue queue;
  private final DeliveryRepository repository;
  private final AttemptRunner runner;
  private final CircuitBreaker circuits;
  private final HooklineMetrics metrics;
  private final int maxInFlight;
  private final int maxInFlightPerOrigin;
  private final Duration lease;
  private final Duration idlePoll;
  private final Duration shutdownGrace;
  private DeliveryPump pump;
  private MessageConsumer<Object> wakeConsumer;

  public DeliveryVerticle(DueQueue queue, DeliveryRepository repository, AttemptRunner runner,
                          CircuitBreaker circuits, HooklineMetrics metrics, int maxInFlight, int maxInFlightPerOrigin,
                          Duration lease, Duration idlePoll, Duration shutdownGrace) {
    this.queue = queue;
    this.repository = repository;
    this.runner = runner;
    this.circuits = circuits;
    this.metrics = metrics;
    this.maxInFlight = maxInFlight;
    this.maxInFlightPerOrigin = maxInFlightPerOrigin;
    this.lease = lease;
    this.idlePoll = idlePoll;
    this.shutdownGrace = shutdownGrace;
  }

  /** Tells this process's delivery verticles that something is due now; never crosses the cluster. */
  public static void wake(Vertx vertx) {
    vertx.eventBus().publish(WAKE_ADDRESS, null, LOCAL);
  }

  /**
   * Tells one of them (round robin) that {@code queued} ids are due now. A few ids are one pop's
   * work: waking every verticle for them only splits them into smaller claims and more round
   * trips. A batch wakes them all.
   */
  public static void wake(Vertx vertx, int queued) {
    if (queued >= ONE_POP) {
      wake(vertx);
    } else {
      vertx.eventBus().send(WAKE_ADDRESS, null, LOCAL);
    }
  }

  @Override
  public Future<?> start() {
    pump = new DeliveryPump(vertx, queue, repository, runner, circuits, metrics, maxInFlight, maxInFlightPerOrigin,
        lease, idlePoll);
    wakeConsumer = vertx.eventBus().localConsumer(WAKE_ADDRESS, message -> pump.wake());
    return wakeConsumer.completion().onSuccess(registered -> pump.wake());
  }

  @Override
  public Future<?> stop() {
    return wakeConsumer.unregister().eventually(() -> pump.stop(shutdownGrace));
  }
}
