package dev.hookline.intake;

import dev.hookline.domain.CreateOutcome;
import dev.hookline.domain.CreateResult;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.RetryPlan;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.Outage;
import dev.hookline.queue.Schedule;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.GroupCommit;
import dev.hookline.store.StorageFailures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.DatabaseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates, renders and stores create requests, then queues them. Rows are committed before their
 * ids are queued; if queueing fails the rows are still durable and the sweeper queues them. However
 * many creates arrive together, they are stored by one transaction and queued by one Redis batch.
 */
public final class DeliveryIntake {
  /** The most creates one batch may carry. */
  public static final int MAX_BATCH = 1_000;
  /** How many grouped flushes one event loop runs at once; more waiters make bigger groups instead. */
  private static final int GROUP_FLUSHES = 1;
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryIntake.class);

  private final Vertx vertx;
  private final DeliveryRepository repository;
  private final Schedule schedule;
  private final PayloadFreezer payloads;
  private final int maxAttempts;
  private final HooklineMetrics metrics;
  private final CreateRequestParser parser;
  private final DestinationCheck destinations;

  public DeliveryIntake(Vertx vertx, DeliveryRepository repository, Schedule schedule, CreateRequestParser parser,
                        DestinationCheck destinations, PayloadFreezer payloads, int maxAttempts,
                        HooklineMetrics metrics) {
    this.metrics = metrics;
    this.parser = parser;
    this.destinations = destinations;
    this.vertx = vertx;
    this.repository = repository;
    this.schedule = schedule;
    this.payloads = payloads;
    this.maxAttempts = maxAttempts;
  }

  /**
   * Creates each body, answering one item per body in the same order. A bad item fails only
   * itself (invalid input, 400; a run of another organization, 409); a storage failure fails the
   * whole batch and writes nothing.
   */
  public Future<List<CreateItem>> createAll(List<?> bodies) {
    if (bodies.size() > MAX_BATCH) {
      return Future.failedFuture(new InvalidRequestException("batch", "holds " + bodies.size()
          + " creates; at most " + MAX_BATCH + " are accepted at once"));
    }
    List<Future<Prepared>> preparing = new ArrayList<>(bodies.size());
    Function<String, Future<Void>> vet = destinations.forBatch();
    for (Object body : bodies) {
      preparing.add(prepare(body, vet));
    }
    return Future.join(preparing).transform(joined -> {
      CreateItem[] items = new CreateItem[bodies.size()];
      List<Prepared> valid = new ArrayList<>(bodies.size());
      List<Integer> positions = new ArrayList<>(bodies.size());
      for (int i = 0; i < preparing.size(); i++) {
        Future<Prepared> prepared = preparing.get(i);
        if (prepared.failed()) {
          if (!(prepared.cause() instanceof InvalidRequestException invalid)) {
            return Future.failedFuture(prepared.cause());
          }
          items[i] = CreateItem.failed(invalid);
        } else if (prepared.result() == null) {
          items[i] = CreateItem.of(CreateReply.skipped("disabled"));
        } else {
          valid.add(prepared.result());
          positions.add(i);
        }
      }
      return store(valid).map(stored -> {
        for (int i = 0; i < stored.size(); i++) {
          items[positions.get(i)] = stored.get(i);
        }
        for (CreateItem item : items) {
          if (item.reply() != null) {
            metrics.created(item.reply().status());
          }
        }
        return Arrays.asList(items);
      });
    });
  }

  /** As {@link #createAll(List)}, with nested maps seen as JSON objects, as a single create would see them. */
  public Future<List<CreateItem>> createAll(JsonArray creates) {
    List<Object> bodies = new ArrayList<>(creates.size());
    for (int i = 0; i < creates.size(); i++) {
      bodies.add(creates.getValue(i));
    }
    return createAll(bodies);
  }

  /**
   * A create front for one event loop that groups concurrent single creates into shared
   * transactions. Use it only from the event loop that made it.
   */
  public Grouped grouped() {
    return new Grouped();
  }

  /** See {@link #grouped()}. */
  public final class Grouped {
    private final GroupCommit<Prepared, CreateItem> commits = new GroupCommit<>(DeliveryIntake.this::store, MAX_BATCH,
        GROUP_FLUSHES);

    /** Fails with {@link InvalidRequestException} (400), a tenant mismatch (409) or a storage error (503). */
    public Future<CreateReply> create(Object body) {
      return prepare(body, destinations::check).compose(prepared -> {
        if (prepared == null) {
          metrics.created("skipped");
          return Future.succeededFuture(CreateReply.skipped("disabled"));
        }
        return commits.submit(prepared).compose(DeliveryIntake::single)
            .onSuccess(reply -> metrics.created(reply.status()));
      });
    }
  }

  /**
   * A test send's body parsed, rendered and header-filtered exactly as a create's, with nothing stored
   * and no look-up of the host: the send-time guard judges it when the test is sent. Fails as a create
   * does (400 naming the field; a payload over the limit, 413).
   */
  public Future<PreparedTestSend> prepareTest(Object body) {
    CreateRequest request;
    boolean inline;
    try {
      request = parser.parseTest(body);
      inline = payloads.rendersInline(request.payloadTemplate());
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    return render(request, inline).map(prepared -> new PreparedTestSend(prepared.delivery(), prepared.droppedHeaders()));
  }

  private static Future<CreateReply> single(CreateItem item) {
    return item.error() != null ? Future.failedFuture(item.error()) : Future.succeededFuture(item.reply());
  }

  /**
   * Null when the webhook is disabled (nothing to store); fails with {@link InvalidRequestException}
   * for bad input, a receiver host name that resolves to a refused address included ({@code vet}).
   * A large template is rendered on a worker thread, so no create holds the event loop (and with it
   * the API and the other creates) for longer than a small render takes.
   */
  private Future<Prepared> prepare(Object body, Function<String, Future<Void>> vet) {
    CreateRequest request;
    boolean inline;
    try {
      request = parser.parse(body);
      if (!request.enabled()) {
        return Future.succeededFuture();
      }
      inline = payloads.rendersInline(request.payloadTemplate());
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    // After the checks that cost nothing, so a hostile body is refused without waiting for DNS.
    return vet.apply(request.endpointUrl()).compose(vetted -> render(request, inline));
  }

  private Future<Prepared> render(CreateRequest request, boolean inline) {
    Callable<Prepared> render = () -> {
      HeaderFilter.Filtered headers = HeaderFilter.filter(request.customHeaders());
      String payload = payloads.freeze(request.payloadTemplate(), request.renderContext());
      RetryPlan retry = request.retry();
      return new Prepared(new NewDelivery(request.organizationId(), request.workflowRunId(), request.webhookNodeId(),
          request.webhookName(), request.endpointUrl(), request.httpMethod(), payload, headers.kept(),
          request.credentialUuid(), retry == null ? maxAttempts : retry.maxAttempts(), retry), headers.dropped());
    };
    if (!inline) {
      return vertx.executeBlocking(render, false);
    }
    try {
      return Future.succeededFuture(render.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Stores a group in one transaction. When Postgres refuses the group for what one item holds,
   * the group is split in two and each half stored on its own, in order, down to the item that
   * was refused, which alone fails (400); its neighbours are not held hostage to it.
   */
  private Future<List<CreateItem>> store(List<Prepared> prepared) {
    if (prepared.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return storeTogether(prepared).recover(error -> {
      if (!StorageFailures.isRowRefusal(error)) {
        return Future.failedFuture(error);
      }
      if (prepared.size() == 1) {
        String state = ((DatabaseException) error).getSqlState();
        LOG.warn("run={} create refused by Postgres (SQLSTATE {})", prepared.get(0).delivery().workflowRunId(), state);
        return Future.succeededFuture(List.of(CreateItem.failed(new InvalidRequestException("body",
            "holds a value Postgres refused to store (SQLSTATE " + state + ")"))));
      }
      int half = prepared.size() / 2;
      return store(prepared.subList(0, half)).compose(first -> store(prepared.subList(half, prepared.size()))
          .map(second -> {
            List<CreateItem> all = new ArrayList<>(first);
            all.addAll(second);
            return all;
          }));
    });
  }

  private Future<List<CreateItem>> storeTogether(List<Prepared> prepared) {
    return repository.createAll(prepared.stream().map(Prepared::delivery).toList()).compose(outcomes -> {
      List<CreateItem> items = new ArrayList<>(outcomes.size());
      List<DueRef> fresh = new ArrayList<>(outcomes.size());
      for (int i = 0; i < outcomes.size(); i++) {
        CreateOutcome outcome = outcomes.get(i);
        CreateResult result = outcome.result();
        if (outcome.refused() != null) {
          items.add(CreateItem.failed(outcome.refused()));
          continue;
        }
        if (outcome.skipped() != null) {
          items.add(CreateItem.of(CreateReply.skipped(outcome.skipped())));
          continue;
        }
        String status = result.created() ? "created" : "existing";
        items.add(CreateItem.of(new CreateReply(status, result.id(), result.deliveryUuid(),
            prepared.get(i).droppedHeaders(), null)));
        logCreate(status, result, prepared.get(i));
        if (result.created()) {
          fresh.add(new DueRef(result.id(), result.scheduledFor().toEpochMilli()));
        }
      }
      return queue(fresh).map(items);
    });
  }

  /**
   * One line per create, at DEBUG: at thousands a second an INFO line each cost a few percent of
   * the worker's CPU and said nothing the row does not. One warning per dropped header naming it
   * (never its value): the sender learns of the drop from the reply, the operator from here.
   */
  private static void logCreate(String status, CreateResult result, Prepared prepared) {
    NewDelivery d = prepared.delivery();
    LOG.debug("delivery={} uuid={} {} organization={} run={}", result.id(), result.deliveryUuid(), status,
        d.organizationId(), d.workflowRunId());
    for (String header : prepared.droppedHeaders()) {
      LOG.warn("delivery={} run={} custom header {} dropped: its name marks a secret, which belongs in a credential;"
          + " its value was neither stored nor sent", result.id(), d.workflowRunId(), header);
    }
  }

  private Future<Void> queue(List<DueRef> fresh) {
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    return schedule.enqueue(fresh)
        .<Void>mapEmpty()
        .recover(error -> {
          if (Outage.isReported(error)) {
            // Said once for the whole outage; a line per create would grow with the traffic.
            LOG.debug("{} deliveries stored but not queued ({}); the sweeper will queue them", fresh.size(),
                error.getMessage());
          } else {
            LOG.warn("{} deliveries stored but not queued ({}); the sweeper will queue them", fresh.size(),
                error.getMessage());
          }
          return Future.succeededFuture();
        });
  }

  private record Prepared(NewDelivery delivery, List<String> droppedHeaders) {
  }
}
