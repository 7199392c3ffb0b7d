package dev.hookline;

import dev.hookline.api.ApiRouter;
import dev.hookline.api.ApiVerticle;
import dev.hookline.config.ConfigException;
import dev.hookline.config.ConfigLoader;
import dev.hookline.config.HooklineConfig;
import dev.hookline.config.ServiceUnreachable;
import dev.hookline.credentials.CredentialIntake;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.credentials.CredentialVerticle;
import dev.hookline.delivery.AttemptRunner;
import dev.hookline.delivery.CircuitBreaker;
import dev.hookline.delivery.DeliveryVerticle;
import dev.hookline.delivery.EndpointHealth;
import dev.hookline.delivery.InFlight;
import dev.hookline.delivery.OutboundRequests;
import dev.hookline.delivery.PumpProgress;
import dev.hookline.delivery.ReceiverClient;
import dev.hookline.delivery.RetryPolicy;
import dev.hookline.delivery.SentRequests;
import dev.hookline.delivery.TestSender;
import dev.hookline.delivery.WebhookSender;
import dev.hookline.domain.TimeSource;
import dev.hookline.events.EventPublisher;
import dev.hookline.intake.CreateRequestParser;
import dev.hookline.intake.DeliveryIntake;
import dev.hookline.intake.DestinationCheck;
import dev.hookline.intake.IntegrationVerticle;
import dev.hookline.intake.PayloadFreezer;
import dev.hookline.intake.RetryDefaults;
import dev.hookline.intake.TemplateRenderer;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.ops.GaugeRefresher;
import dev.hookline.ops.Health;
import dev.hookline.ops.OperatorBusVerticle;
import dev.hookline.ops.Replay;
import dev.hookline.ops.Retention;
import dev.hookline.ops.StallCheck;
import dev.hookline.ops.RetentionVerticle;
import dev.hookline.ops.TestSendLimit;
import dev.hookline.ops.TestSends;
import dev.hookline.queue.CircuitStore;
import dev.hookline.queue.ConsoleSessions;
import dev.hookline.queue.DueQueue;
import dev.hookline.queue.Outage;
import dev.hookline.queue.Schedule;
import dev.hookline.security.AddressPolicy;
import dev.hookline.security.DestinationGuard;
import dev.hookline.security.HostResolver;
import dev.hookline.security.KeyRing;
import dev.hookline.security.StandardWebhooks;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.DeliveryStats;
import dev.hookline.store.DisabledEndpoints;
import dev.hookline.store.EventRows;
import dev.hookline.store.Migrations;
import dev.hookline.store.OperatorRepository;
import dev.hookline.store.PostgresPool;
import dev.hookline.store.SchemaCompatibility;
import dev.hookline.sweep.PeriodicVerticle;
import dev.hookline.sweep.SweepVerticle;
import dev.hookline.sweep.Sweeper;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root. {@link #start} applies migrations, creates the shared clients once and
 * deploys the verticles into the caller's Vert.x; {@link #stop} undoes it in reverse.
 */
public final class Hookline {
  private static final Logger LOG = LoggerFactory.getLogger(Hookline.class);
  private static final int RESPONSE_EXCERPT_BYTES = 4_096;
  /** How often each worker reads the shared circuit states (its own transitions apply at once). */
  private static final Duration CIRCUIT_REFRESH = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final HooklineConfig config;
  private final Pool pool;
  private final Redis redis;
  private final ReceiverClient httpClient;
  private final DueQueue queue;
  /** One per process, so an unreachable Redis is reported once whichever part of it finds out. */
  private final Outage redisOutage;
  private final HooklineMetrics metrics;
  private final String schemaVersion;
  /** Shared by the delivery pumps (may they claim?), readiness and its own periodic re-check. */
  private final SchemaCompatibility compatibility;
  private final KeyRing keys;
  private final HostResolver resolver;
  private final Buffer openapi;
  private final AtomicInteger httpPort = new AtomicInteger(-1);
  private final Deque<String> deployments = new ArrayDeque<>();
  private Future<Void> stopping;

  private Hookline(Vertx vertx, HooklineConfig config, Pool pool, Redis redis, ReceiverClient httpClient,
                   HooklineMetrics metrics, Migrations.Applied schema, KeyRing keys, HostResolver resolver,
                   Buffer openapi) {
    this.openapi = openapi;
    this.keys = keys;
    this.resolver = resolver;
    this.vertx = vertx;
    this.config = config;
    this.pool = pool;
    this.redis = redis;
    this.httpClient = httpClient;
    this.metrics = metrics;
    this.schemaVersion = schema.schemaVersion();
    this.compatibility = new SchemaCompatibility(pool, schema.newestKnown());
    metrics.schemaIncompatibleWhile(() -> !compatibility.mayClaim());
    this.redisOutage = new Outage(config.redis().describe());
    this.queue = new DueQueue(redis, config.redis(), redisOutage);
  }

  /** {@code overrides} is laid over the built-in defaults; keys it omits keep their default. */
  public static Future<Hookline> start(Vertx vertx, JsonObject overrides) {
    return start(vertx, overrides, null);
  }

  /**
   * As {@link #start(Vertx, JsonObject)}, recording Hookline's meters into {@code registry} (the one
   * Vert.x's own metrics report to, so {@code /metrics} shows both); null gives a private registry.
   */
  public static Future<Hookline> start(Vertx vertx, JsonObject overrides, PrometheusMeterRegistry registry) {
    return start(vertx, overrides, registry, HostResolver.system(vertx));
  }

  /** As above, resolving receiver host names through {@code resolver} (tests script DNS with it). */
  public static Future<Hookline> start(Vertx vertx, JsonObject overrides, PrometheusMeterRegistry registry,
                                       HostResolver resolver) {
    HooklineConfig config;
    try {
      config = HooklineConfig.from(ConfigLoader.defaults().mergeIn(overrides == null ? new JsonObject() : overrides, true));
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    PgConnectOptions pgOptions = config.postgres().connectOptions().setCachePreparedStatements(true)
        // A generic plan cached while the pending set was small walks the whole pending index on
        // every claim once a backlog builds (seen: 120 ms claims at 20,000 pending, throughput down
        // to a third). Custom plans are re-made per execution from the index's current size; the
        // statements are few and multi-row, so planning costs little per delivery.
        .addProperty("plan_cache_mode", "force_custom_plan");
    return vertx.executeBlocking(() -> {
          // Reads its resource once per JVM: here, so that this never happens on an event loop.
          HooklineVersion.current();
          return new Prepared(Migrations.migrate(pgOptions, config.postgres().migrationLockWait()),
              config.security().keyRing(), ApiRouter.loadOpenApi());
        })
        // Migrations are the first to connect: an unreachable Postgres is reported from here.
        .recover(error -> Future.failedFuture(ServiceUnreachable.postgres(config.postgres(), error)))
        .compose(prepared -> {
      HooklineConfig.Delivery d = config.delivery();
      Hookline hookline = new Hookline(vertx, config,
          PostgresPool.create(vertx, pgOptions, config.postgres().poolSize()),
          DueQueue.createClient(vertx, config.redis(), config.redis().poolSize()),
          // Enough connections per receiver that in-flight attempts are not queued behind Vert.x's default of 5.
          new ReceiverClient(vertx, d.timeout(), Math.min(1_024, d.maxInFlight() * d.instances())),
          registry == null ? HooklineMetrics.standalone() : HooklineMetrics.using(registry), prepared.schema(),
          prepared.keys(), resolver, prepared.openapi());
      return hookline.deploy()
          .onSuccess(done -> hookline.logStarted())
          .map(hookline)
          .recover(error -> hookline.stop().transform(stopped -> Future.failedFuture(error)));
    });
  }

  private Future<Void> deploy() {
    HooklineConfig.Delivery d = config.delivery();
    HooklineConfig.Events eventsConfig = config.events();
    EventRows eventRows = new EventRows(eventsConfig, d.maxAttempts());
    DeliveryRepository repository = new DeliveryRepository(pool, d.maxUnrecordedAttempts(), eventRows);
    OperatorRepository operator = new OperatorRepository(pool, eventRows);
    CredentialStore credentials = new CredentialStore(pool, keys);
    AddressPolicy destinations = config.security().addressPolicy();
    RetryPolicy retryPolicy = new RetryPolicy(d.baseDelay(), d.maxDelay(), d.jitter(),
        () -> ThreadLocalRandom.current().nextDouble());
    Schedule schedule = new Schedule(vertx, queue);
    EventPublisher events = new EventPublisher(vertx.eventBus(), vertx.isClustered(), schedule, eventsConfig, metrics);
    StandardWebhooks eventSigner = eventsConfig.secret().isEmpty() ? null
        : new StandardWebhooks(List.of(eventsConfig.secret()));
    // A granted probe keeps other workers from probing for as long as its claim's lease: the probe
    // is a claimed attempt, and after the lease it is presumed lost like any other.
    CircuitBreaker circuits = new CircuitBreaker(new CircuitStore(redis, config.redis().keyPrefix(), d.circuit(),
        redisOutage), d.circuit(), d.lease(), metrics, TimeSource.SYSTEM);
    String userAgent = HooklineVersion.userAgent();
    OutboundRequests outbound = new OutboundRequests(d.headerPrefix(), userAgent, Clock.systemUTC(), eventSigner);
    InFlight inFlight = new InFlight();
    PumpProgress progress = new PumpProgress(TimeSource.SYSTEM);
    StallCheck stall = new StallCheck(progress, queue, d.stallAfter());
    GaugeRefresher gauges = new GaugeRefresher(queue, operator, metrics, stall);
    // Per delivery verticle: its own origin slots, and a runner grouping the outcome writes of its own event loop.
    Supplier<DeliveryVerticle> deliveryVerticles = () -> {
      EndpointHealth health = new EndpointHealth(circuits, d.maxInFlightPerOrigin(), inFlight);
      AttemptRunner runner = new AttemptRunner(vertx, credentials, new DestinationGuard(destinations, resolver),
          new WebhookSender(vertx, httpClient, RESPONSE_EXCERPT_BYTES),
          outbound, retryPolicy, repository, schedule, health, metrics, TimeSource.SYSTEM, d.timeout(), events,
          d.disableOnGone());
      return new DeliveryVerticle(queue, schedule, repository, runner, health, metrics, TimeSource.SYSTEM,
          d.maxInFlight(), d.lease(), d.idlePoll(), d.shutdownGrace(), progress,
          compatibility::mayClaim);
    };
    Sweeper sweeper = new Sweeper(repository, schedule, config.sweep().pageSize(), events);
    DeliveryIntake intake = new DeliveryIntake(vertx, repository, schedule,
        new CreateRequestParser(destinations, d.headerPrefix(), RetryDefaults.of(config)),
        new DestinationCheck(new DestinationGuard(destinations, resolver)), new PayloadFreezer(new TemplateRenderer(Clock.systemUTC()), d.maxPayloadBytes()), d.maxAttempts(), metrics);
    TestSends testSends = new TestSends(intake, new TestSendLimit(d.testSendsPerMinute(), TimeSource.SYSTEM),
        new TestSender(credentials, new DestinationGuard(destinations, resolver),
            new WebhookSender(vertx, httpClient, RESPONSE_EXCERPT_BYTES), new OutboundRequests(d.headerPrefix(), userAgent),
            TimeSource.SYSTEM, d.timeout()), metrics);
    HooklineConfig.Http http = config.http();
    CredentialIntake credentialIntake = new CredentialIntake(credentials, d.headerPrefix());
    Replay replay = new Replay(operator, schedule, d.maxAttempts(), events);
    ApiRouter.Deps api = new ApiRouter.Deps(intake, operator, replay,
        new Health(pool, queue, schemaVersion, stall, compatibility), metrics, credentialIntake, credentials, http.apiTokens(),
        http.maxRequestBytes(), openapi, new DisabledEndpoints(pool), testSends,
        new ConsoleSessions(redis, config.redis().keyPrefix(), http.consoleSession()),
        new ApiRouter.Console(queue, circuits, inFlight, new DeliveryStats(pool),
            new SentRequests(repository, credentials, outbound)));
    HooklineConfig.Retention retention = config.retention();

    // Refuse to run rather than send deliveries without the credentials they reference.
    return credentials.verifyKeys()
        // The circuit view is loaded before the first claim, so a restart does not hammer an origin
        // whose circuit other workers hold open.
        .compose(v -> circuits.refresh().recover(error -> {
          LOG.warn("circuit states could not be read from Redis ({}); starting with every circuit closed",
              error.getMessage());
          return Future.succeededFuture();
        }))
        .compose(v -> d.circuit().enabled()
            // Brings other workers' circuit transitions into this process's view.
            ? deploy(() -> PeriodicVerticle.every("circuit refresh", CIRCUIT_REFRESH,
                circuits::refresh), 1)
            : Future.succeededFuture())
        // A newer build may migrate the schema past what this one may work with while it runs: checked
        // from the start, so the pumps stop claiming within one interval of that.
        .compose(v -> deploy(() -> PeriodicVerticle.every("schema compatibility check", config.postgres().schemaCheck(),
            compatibility::recheck), 1))
        .compose(v -> deploy(deliveryVerticles, d.instances()))
        .compose(v -> deploy(() -> new SweepVerticle(sweeper, config.sweep().interval(), metrics), 1))
        .compose(v -> deploy(() -> new RetentionVerticle(new Retention(operator, retention.days(), retention.batchSize()),
            retention.days(), retention.interval()), 1))
        .compose(v -> deploy(() -> PeriodicVerticle.every("metrics refresh", config.metrics().refresh(),
            gauges::refresh), 1))
        .compose(v -> deploy(() -> PeriodicVerticle.every("stall check", config.metrics().refresh(),
            gauges::refreshStall), 1))
        // Intake goes last: no message or request is accepted before something can deliver it.
        // Single creates on one instance, where concurrent ones meet in one group and share
        // transactions (two halved every group and doubled the statements at moderate load);
        // batches, already grouped, on as many instances as delivery.
        .compose(v -> deploy(() -> new IntegrationVerticle(intake, true), 1))
        .compose(v -> d.instances() > 1
            ? deploy(() -> new IntegrationVerticle(intake, false), d.instances() - 1) : Future.succeededFuture())
        .compose(v -> deploy(() -> new CredentialVerticle(credentialIntake), 1))
        .compose(v -> deploy(() -> new OperatorBusVerticle(replay, testSends), 1))
        .compose(v -> http.enabled()
            ? deploy(() -> new ApiVerticle(api, http.host(), http.port(), http.readTimeout(), httpPort), 1)
            : Future.succeededFuture());
  }

  private Future<Void> deploy(Supplier<? extends Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances))
        .onSuccess(deployments::push)
        .mapEmpty();
  }

  private void logStarted() {
    HooklineConfig.Delivery d = config.delivery();
    LOG.info("Hookline started: {} delivery verticles x {} in flight ({} per origin), circuit breaker {},"
            + " sweep every {}s, event-bus address {},"
            + " {}; Postgres {} (schema v{}), {} (prefix {}, {} shards)", d.instances(),
        d.maxInFlight(), d.maxInFlightPerOrigin(), d.circuit().enabled()
            ? "at " + d.circuit().failureThreshold() + " transient failures and " + d.circuit().failureRatePercent()
            + " % beyond them in " + d.circuit().windowSeconds() + " s" : "off",
        config.sweep().intervalSeconds(), IntegrationVerticle.CREATE_ADDRESS, config.http().enabled()
            ? "HTTP API on " + config.http().host() + ":" + httpPort.get() : "HTTP API off (http.enabled false)",
        config.postgres().redactedUrl(), schemaVersion, config.redis().describe(),
        config.redis().keyPrefix(), config.redis().shards());
  }

  /**
   * Stops intake first (no new work), then the sweeper, then the delivery verticles, which let
   * in-flight sends finish up to {@code delivery.shutdownGraceSeconds}; then closes the clients.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      // Storage closes before the HTTP client: an attempt still on the wire past the grace period
      // then cannot record anything, so its row stays under its lease and is retried after it.
      stopping = undeployAll()
          .eventually(pool::close)
          .eventually(redis::close)
          .eventually(httpClient::close)
          .eventually(() -> {
            metrics.close();
            return Future.succeededFuture();
          })
          .onSuccess(v -> LOG.info("Hookline stopped"));
    }
    return stopping;
  }

  private Future<Void> undeployAll() {
    String next = deployments.poll();
    if (next == null) {
      return Future.succeededFuture();
    }
    return vertx.undeploy(next)
        .onFailure(e -> LOG.warn("undeploying {} failed: {}", next, e.getMessage()))
        .transform(done -> undeployAll());
  }

  public HooklineConfig config() {
    return config;
  }

  /** What start-up prepares on a worker thread: the schema's and this build's versions, and the credential keys. */
  private record Prepared(Migrations.Applied schema, KeyRing keys, Buffer openapi) {
  }

  /** The port the HTTP API is bound to (useful when {@code http.port} is 0); -1 when {@code http.enabled} is false. */
  public int httpPort() {
    return httpPort.get();
  }

  public HooklineMetrics metrics() {
    return metrics;
  }

  /** The Redis schedule this instance uses (for operators' tooling and tests). */
  public DueQueue queue() {
    return queue;
  }
}
