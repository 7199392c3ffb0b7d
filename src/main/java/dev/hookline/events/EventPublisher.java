package dev.hookline.events;

import dev.hookline.config.HooklineConfig;
import dev.hookline.domain.Emitted;
import dev.hookline.domain.OutcomeEvent;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.Schedule;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the world what a committed change caused: each wanted event is published on
 * {@value #OUTCOME_ADDRESS} (best effort; clustered siblings hear it too), and the event rows written
 * with the change are queued. A lost publish is gone; a lost queue write is healed by the sweeper,
 * since the event rows are already committed.
 */
public final class EventPublisher {
  public static final String OUTCOME_ADDRESS = "hookline.delivery.outcome";
  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

  private final EventBus bus;
  private final Schedule schedule;
  private final HooklineConfig.Events config;
  private final HooklineMetrics metrics;
  private final DeliveryOptions local;

  /** {@code clustered}: other processes hear the bus too, so events go out as JSON; else built lazily. */
  public EventPublisher(EventBus bus, boolean clustered, Schedule schedule, HooklineConfig.Events config,
                        HooklineMetrics metrics) {
    this.bus = bus;
    if (clustered) {
      local = null;
    } else {
      LocalEventCodec.register(bus);
      local = new DeliveryOptions().setCodecName(LocalEventCodec.NAME);
    }
    this.schedule = schedule;
    this.config = config;
    this.metrics = metrics;
  }

  /** Never fails. */
  public Future<Void> publish(Emitted emitted) {
    for (OutcomeEvent event : emitted.events()) {
      if (config.wants(event.type())) {
        if (local == null) {
          bus.publish(OUTCOME_ADDRESS, event.toJson());
        } else {
          bus.publish(OUTCOME_ADDRESS, event, local);
        }
        metrics.event(event.type());
      }
    }
    if (emitted.eventRows().isEmpty()) {
      return Future.succeededFuture();
    }
    return schedule.enqueue(emitted.eventRows())
        .onFailure(e -> LOG.debug("{} event deliveries stored but not queued ({}); the sweeper will queue them",
            emitted.eventRows().size(), e.getMessage()))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }
}
