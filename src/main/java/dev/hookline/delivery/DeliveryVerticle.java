package dev.hookline.delivery;

import dev.hookline.domain.TimeSource;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.queue.Schedule;
import dev.hookline.store.DeliveryRepository;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Wires one {@link DeliveryPump} to this instance's event loop and to the local wake signal. */
public final class DeliveryVerticle extends VerticleBase {
  private final DueQueue queue;
  private final Schedule schedule;
  private final DeliveryRepository repository;
  private final AttemptRunner runner;
  private final EndpointHealth health;
  private final TimeSource time;
  private final HooklineMetrics metrics;
  private final int maxInFlight;
  private final Duration lease;
  private final Duration idlePoll;
  private final Duration shutdownGrace;
  private final PumpProgress progress;
  private final BooleanSupplier claimsAllowed;
  private DeliveryPump pump;
  private MessageConsumer<Object> wakeConsumer;

  public DeliveryVerticle(DueQueue queue, Schedule schedule, DeliveryRepository repository, AttemptRunner runner,
                          EndpointHealth health, HooklineMetrics metrics, TimeSource time, int maxInFlight,
                          Duration lease, Duration idlePoll, Duration shutdownGrace, PumpProgress progress,
                          BooleanSupplier claimsAllowed) {
    this.queue = queue;
    this.schedule = schedule;
    this.repository = repository;
    this.runner = runner;
    this.health = health;
    this.time = time;
    this.metrics = metrics;
    this.maxInFlight = maxInFlight;
    this.lease = lease;
    this.idlePoll = idlePoll;
    this.shutdownGrace = shutdownGrace;
    this.progress = progress;
    this.claimsAllowed = claimsAllowed;
  }

  @Override
  public Future<?> start() {
    pump = new DeliveryPump(vertx, queue, repository, runner, health, metrics, time, maxInFlight, lease, idlePoll,
        progress, claimsAllowed);
    wakeConsumer = schedule.onWake(pump::wake);
    return wakeConsumer.completion().onSuccess(registered -> pump.wake());
  }

  @Override
  public Future<?> stop() {
    return wakeConsumer.unregister().eventually(() -> pump.stop(shutdownGrace));
  }
}
