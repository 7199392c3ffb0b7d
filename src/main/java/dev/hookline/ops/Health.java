package dev.hookline.ops;

import dev.hookline.config.HooklineConfig;
import dev.hookline.queue.ClusterNodes;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.SchemaCompatibility;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Readiness: Postgres and Redis answer, the schema is at least the version this build applied and
 * not newer than this build may work with ({@link SchemaCompatibility}: it then claims nothing), and
 * delivery has not stalled ({@link StallCheck}).
 * In a Redis Cluster, Redis is up when every master that owns slots answers this process, and each
 * node's own state is listed under {@code redisNodes} (a replica down is shown there, but does not
 * make the worker unready: nothing Hookline asks goes to a replica).
 */
public final class Health {
  private static final long CHECK_TIMEOUT_MILLIS = 2_000;
  private static final String SCHEMA_VERSION = "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL"
      + " ORDER BY installed_rank DESC LIMIT 1";

  private final Pool pool;
  private final DueQueue queue;
  private final String expectedSchemaVersion;
  private final StallCheck stall;
  private final SchemaCompatibility compatibility;

  public Health(Pool pool, DueQueue queue, String expectedSchemaVersion, StallCheck stall,
                SchemaCompatibility compatibility) {
    this.pool = pool;
    this.queue = queue;
    this.expectedSchemaVersion = expectedSchemaVersion;
    this.stall = stall;
    this.compatibility = compatibility;
  }

  /** Never fails: every check reports "up" or "down: reason". */
  public Future<Report> check() {
    Future<String> schema = pool.query(SCHEMA_VERSION).execute()
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("version"))
        .timeout(CHECK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    Future<String> postgres = schema.map(v -> "up").otherwise(Health::down);
    Future<String> migrations = schema.map(this::migrationStatus).otherwise(e -> "down: schema version unknown");
    Future<List<ClusterNodes.Node>> nodes = queue.nodes().timeout(CHECK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    Future<String> redis = queue.clustered()
        ? nodes.map(Health::mastersUp).otherwise(Health::down)
        : queue.ping().timeout(CHECK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).map(v -> "up").otherwise(Health::down);
    // A schedule that cannot be read in time is the redis check's to report.
    Future<String> delivery = stall.check().timeout(CHECK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .map(StallCheck.State::readiness).otherwise("up");
    return Future.join(postgres, redis, migrations, nodes, delivery).transform(done -> {
      Map<String, String> checks = new LinkedHashMap<>();
      checks.put("postgres", postgres.result());
      checks.put("redis", redis.result());
      checks.put("migrations", migrations.result());
      checks.put("delivery", delivery.result());
      Map<String, String> redisNodes = new TreeMap<>();
      if (nodes.succeeded()) {
        nodes.result().forEach(node -> redisNodes.put(node.address(), node.state()));
      }
      return Future.succeededFuture(new Report(checks, redisNodes));
    });
  }

  private static String mastersUp(List<ClusterNodes.Node> nodes) {
    List<String> down = nodes.stream().filter(node -> node.servesSlots() && !node.up())
        .map(ClusterNodes.Node::address).toList();
    if (nodes.stream().noneMatch(ClusterNodes.Node::servesSlots)) {
      return "down: the cluster lists no master serving slots";
    }
    return down.isEmpty() ? "up" : "down: masters not answering: " + String.join(", ", down);
  }

  private String migrationStatus(String version) {
    if (version == null) {
      return "down: no migration applied";
    }
    if (compatibility.problem().isPresent()) {
      return "down: claiming nothing: " + compatibility.problem().get();
    }
    return compareVersions(version, expectedSchemaVersion) >= 0 ? "up"
        : "down: schema is at v" + version + ", this build needs v" + expectedSchemaVersion;
  }

  static int compareVersions(String a, String b) {
    String[] left = a.split("\\.");
    String[] right = b.split("\\.");
    for (int i = 0; i < Math.max(left.length, right.length); i++) {
      long l = i < left.length ? Long.parseLong(left[i]) : 0;
      long r = i < right.length ? Long.parseLong(right[i]) : 0;
      if (l != r) {
        return Long.compare(l, r);
      }
    }
    return 0;
  }

  private static String down(Throwable error) {
    String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    // A cluster client's error may name a node's URL with its password.
    return "down: " + HooklineConfig.maskPasswords(message);
  }

  /**
   * The checks by name, in a fixed order; {@code redisNodes} (host:port to "up" or "down: why") only
   * in a Redis Cluster, else empty.
   */
  public record Report(Map<String, String> checks, Map<String, String> redisNodes) {
    public boolean up() {
      return checks.values().stream().allMatch("up"::equals);
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("status", up() ? "up" : "down").put("checks", new JsonObject(
          new LinkedHashMap<>(checks)));
      if (!redisNodes.isEmpty()) {
        json.put("redisNodes", new JsonObject(new LinkedHashMap<>(redisNodes)));
      }
      if (!up()) {
        JsonArray failed = new JsonArray();
        checks.forEach((name, value) -> {
          if (!"up".equals(value)) {
            failed.add(name);
          }
        });
        json.put("failed", failed);
      }
      return json;
    }
  }
}
