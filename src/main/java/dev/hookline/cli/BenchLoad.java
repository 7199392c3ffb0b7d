package dev.hookline.cli;

import dev.hookline.intake.DeliveryIntake;
import dev.hookline.intake.IntegrationVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bench's sibling service: sends creates over the event bus, {@code batch} per message (single
 * creates when it is 1), with at most {@code concurrency} creates awaiting their reply, optionally
 * at a fixed rate, and optionally never more than {@code maxPending} created but not yet final.
 */
record BenchLoad(Vertx vertx, String target, int concurrency, int batch, Integer rate, Integer maxPending,
                 LongSupplier finalCount, PrintWriter out) {

  /** Creates deliveries {@code first .. first+count-1} (their run ids); returns the time it took in nanos. */
  long create(long first, int count) throws InterruptedException {
    int perMessage = Math.max(1, Math.min(batch, Math.min(concurrency, DeliveryIntake.MAX_BATCH)));
    Semaphore room = new Semaphore(concurrency);
    AtomicLong failed = new AtomicLong();
    long finalBefore = finalCount.getAsLong();
    long started = System.nanoTime();
    long nextProgress = started + TimeUnit.SECONDS.toNanos(1);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(60_000);
    for (int sent = 0; sent < count; ) {
      int size = Math.min(perMessage, count - sent);
      pace(started, sent + size);
      while (maxPending != null && sent - (finalCount.getAsLong() - finalBefore) >= maxPending) {
        TimeUnit.MILLISECONDS.sleep(1);
      }
      room.acquire(size);
      send(first + sent, size, options, room, failed);
      sent += size;
      if (System.nanoTime() > nextProgress) {
        out.printf("progress: %d/%d created, %.1f s%n", sent, count, (System.nanoTime() - started) / 1e9);
        out.flush();
        nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      }
    }
    room.acquire(concurrency);
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " creates failed");
    }
    return System.nanoTime() - started;
  }

  /** With a rate, a message leaves when its last create is due. */
  private void pace(long started, int createsSoFar) throws InterruptedException {
    if (rate == null) {
      return;
    }
    long due = started + (long) ((createsSoFar - 1) * 1_000_000_000d / rate);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  private void send(long n, int size, DeliveryOptions options, Semaphore room, AtomicLong failed) {
    if (size == 1 && batch == 1) {
      vertx.eventBus().request(IntegrationVerticle.CREATE_ADDRESS, message(n), options).onComplete(reply -> {
        if (reply.failed()) {
          failed.incrementAndGet();
        }
        room.release();
      });
      return;
    }
    JsonArray creates = new JsonArray();
    for (int i = 0; i < size; i++) {
      creates.add(message(n + i));
    }
    vertx.eventBus().<JsonArray>request(IntegrationVerticle.CREATE_BATCH_ADDRESS, creates, options)
        .onComplete(reply -> {
          if (reply.failed()) {
            failed.addAndGet(size);
          } else {
            reply.result().body().forEach(item -> {
              if ("failed".equals(((JsonObject) item).getString("status"))) {
                failed.incrementAndGet();
              }
            });
          }
          room.release(size);
        });
  }

  private JsonObject message(long n) {
    long run = 1_000_000L + n;
    return new JsonObject()
        .put("organizationId", 1)
        .put("workflowRunId", run)
        .put("webhookNodeId", "bench")
        .put("webhook", new JsonObject()
            .put("name", "bench")
            .put("endpointUrl", target)
            .put("payloadTemplate", new JsonObject().put("event", "bench").put("run", "{{workflow_run_id}}")))
        .put("renderContext", new JsonObject().put("workflow_run_id", run));
  }
}
