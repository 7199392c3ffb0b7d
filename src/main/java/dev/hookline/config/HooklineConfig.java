package dev.hookline.config;

import dev.hookline.domain.OutcomeEvent;
import dev.hookline.security.AddressPolicy;
import dev.hookline.security.HeaderRules;
import dev.hookline.security.KeyRing;
import dev.hookline.security.StandardWebhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The validated configuration. Built only through {@link #from(JsonObject)}, so every instance is runnable. */
public record HooklineConfig(Postgres postgres, Redis redis, Delivery delivery, Sweep sweep, Http http,
                             Retention retention, Metrics metrics, Cluster cluster, Security security, Events events) {

  private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9_.:{}-]+");
  private static final Pattern URL_PASSWORD = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^:@/\\s]*):[^@\\s]*@");

  /**
   * {@code migrationLockWaitSeconds}: how long start-up waits for another instance's migration
   * (Flyway's lock); {@code schemaCheckSeconds}: how often a running worker checks that the schema
   * is still one it may work with (docs/operations.md#upgrading).
   */
  public record Postgres(String url, int poolSize, int migrationLockWaitSeconds, double schemaCheckSeconds) {
    /** The given database with the default waits (tools and tests). */
    public Postgres(String url, int poolSize) {
      this(url, poolSize, 3_600, 30);
    }

    public Duration migrationLockWait() {
      return Duration.ofSeconds(migrationLockWaitSeconds);
    }

    public Duration schemaCheck() {
      return seconds(schemaCheckSeconds);
    }

    public PgConnectOptions connectOptions() {
      return PgConnectOptions.fromUri(url);
    }

    /** The URL as it may appear in a log line: any password is masked. */
    public String redactedUrl() {
      return maskPasswords(url);
    }
  }

  /**
   * Where the schedule lives. {@code standalone}: one server at {@code url}. {@code cluster}: a
   * Redis Cluster found through the seed nodes {@code endpoints} and {@code url} (either may be
   * empty, not both). {@code sentinel}: the master the sentinels at {@code endpoints} name
   * {@code masterName}; {@code url} is not read.
   */
  public record Redis(Type type, String url, List<String> endpoints, String masterName, String keyPrefix, int shards,
                      int poolSize) {
    public enum Type {
      STANDALONE, CLUSTER, SENTINEL;

      /** The name as configured: {@code standalone}, {@code cluster}, {@code sentinel}. */
      public String configName() {
        return name().toLowerCase(Locale.ROOT);
      }
    }

    /** One standalone server (tools and tests). */
    public Redis(String url, String keyPrefix, int shards, int poolSize) {
      this(Type.STANDALONE, url, List.of(), "", keyPrefix, shards, poolSize);
    }

    /** The same deployment under another key prefix (the bench's throw-away keys). */
    public Redis withKeyPrefix(String prefix) {
      return new Redis(type, url, endpoints, masterName, prefix, shards, poolSize);
    }

    public boolean clustered() {
      return type == Type.CLUSTER;
    }

    public String redactedUrl() {
      return maskPasswords(url);
    }

    /**
     * The URLs the client starts from: the server; or the cluster's seeds, the listed ones first
     * and {@code url} last, so that a default {@code url} left in place costs nothing while they answer;
     * or the sentinels.
     */
    public List<String> connectionStrings() {
      return switch (type) {
        case STANDALONE -> List.of(url);
        case CLUSTER -> {
          List<String> seeds = new ArrayList<>(endpoints);
          if (!url.isEmpty() && !seeds.contains(url)) {
            seeds.add(url);
          }
          yield List.copyOf(seeds);
        }
        case SENTINEL -> endpoints;
      };
    }

    /** Which Redis this is and the keys that say so, as a log line or an answer may show it: no password. */
    public String describe() {
      String where = String.join(", ", connectionStrings().stream().map(HooklineConfig::maskPasswords).toList());
      return switch (type) {
        case STANDALONE -> "Redis at " + where + " (redis.url, " + ConfigLoader.envName("redis", "url") + ")";
        case CLUSTER -> "Redis Cluster through " + where + " (redis.endpoints, "
            + ConfigLoader.envName("redis", "endpoints") + ", and redis.url)";
        case SENTINEL -> "Redis master " + masterName + " of the sentinels " + where + " (redis.endpoints, "
            + ConfigLoader.envName("redis", "endpoints") + ", redis.masterName)";
      };
    }
  }

  public record Delivery(int maxAttempts, double baseDelaySeconds, double maxDelaySeconds,
                         double timeoutSeconds, double leaseSeconds, int instances, int maxInFlight,
                         String headerPrefix, int maxPayloadBytes, double idlePollSeconds,
                         double shutdownGraceSeconds, int maxInFlightPerOrigin, int maxUnrecordedAttempts,
                         Circuit circuit, double jitter, boolean disableOnGone, int testSendsPerMinute,
                         double stallSeconds) {
    public Duration baseDelay() {
      return seconds(baseDelaySeconds);
    }

    public Duration maxDelay() {
      return seconds(maxDelaySeconds);
    }

    public Duration timeout() {
      return seconds(timeoutSeconds);
    }

    public Duration lease() {
      return seconds(leaseSeconds);
    }

    public Duration idlePoll() {
      return seconds(idlePollSeconds);
    }

    public Duration shutdownGrace() {
      return seconds(shutdownGraceSeconds);
    }

    /** How long a delivery pump may go without progress while work is due before readiness says so (zero: never). */
    public Duration stallAfter() {
      return seconds(stallSeconds);
    }
  }

  /**
   * The per-origin circuit breaker (0 {@code failureThreshold} turns it off). Over the last
   * {@code windowSeconds}, it opens once at least {@code failureThreshold} calls failed and the
   * failures beyond the threshold are at least {@code failureRatePercent} % of the calls beyond it
   * (the rule is {@code queue.CircuitRule}); the first cool-down is {@code cooldownSeconds}, doubled
   * after each failed probe up to {@code maxCooldownSeconds}.
   */
  public record Circuit(int failureThreshold, int failureRatePercent, double windowSeconds, double cooldownSeconds,
                        double maxCooldownSeconds) {
    public boolean enabled() {
      return failureThreshold > 0;
    }

    public Duration window() {
      return seconds(windowSeconds);
    }

    public Duration cooldown() {
      return seconds(cooldownSeconds);
    }

    public Duration maxCooldown() {
      return seconds(maxCooldownSeconds);
    }
  }

  /**
   * Outcome events. {@code webhookUrl} empty: events go out on the event bus only; set, each is
   * also written as an event delivery to that URL, signed per Standard Webhooks with
   * {@code secret} (a {@code whsec_} secret) when one is set. {@code types} filters both.
   */
  public record Events(String webhookUrl, String secret, List<String> types) {
    public boolean toWebhook() {
      return !webhookUrl.isEmpty();
    }

    public boolean wants(String type) {
      return types.contains(type);
    }

    @Override
    public String toString() {
      return "Events[webhookUrl=" + webhookUrl + ", secret=" + (secret.isEmpty() ? "none" : "set") + ", types=" + types
          + "]";
    }
  }

  public record Sweep(double intervalSeconds, int pageSize) {
    public Duration interval() {
      return seconds(intervalSeconds);
    }
  }

  /**
   * {@code apiTokens} empty means an open API, allowed only on a loopback address. {@code enabled}
   * false serves no HTTP at all: an application embedding Hookline may use the event bus only.
   */
  public record Http(int port, String host, List<ApiToken> apiTokens, int maxRequestBytes, double readTimeoutSeconds,
                     boolean enabled, int consoleSessionSeconds) {
    public Duration readTimeout() {
      return seconds(readTimeoutSeconds);
    }

    /** How long a console sign-in lasts (the session's Redis TTL and the cookie's Max-Age). */
    public Duration consoleSession() {
      return Duration.ofSeconds(consoleSessionSeconds);
    }

    @Override
    public String toString() {
      return "Http[port=" + port + ", host=" + host + ", apiTokens=" + apiTokens.size() + " configured, maxRequestBytes="
          + maxRequestBytes + ", readTimeoutSeconds=" + readTimeoutSeconds + ", enabled=" + enabled
          + ", consoleSessionSeconds=" + consoleSessionSeconds + "]";
    }
  }

  public record Retention(int days, double intervalSeconds, int batchSize) {
    public Duration interval() {
      return seconds(intervalSeconds);
    }
  }

  public record Metrics(double refreshSeconds) {
    public Duration refresh() {
      return seconds(refreshSeconds);
    }
  }

  /**
   * {@code allowedNetworks} opens CIDR ranges the destination guard refuses by default;
   * {@code secretKeys} ("id:base64key", first active) and {@code secretKeysFile} seal credentials.
   */
  public record Security(List<String> allowedNetworks, List<String> secretKeys, String secretKeysFile) {
    public AddressPolicy addressPolicy() {
      return AddressPolicy.withAllowedNetworks(allowedNetworks);
    }

    /** The configured keys plus those in the key file. Reads a file: call it off the event loop. */
    public KeyRing keyRing() {
      String fromFile = "";
      if (!secretKeysFile.isEmpty()) {
        try {
          fromFile = Files.readString(Path.of(secretKeysFile));
        } catch (IOException e) {
          throw new ConfigException("security.secretKeysFile: cannot read " + secretKeysFile + ": " + e.getMessage());
        }
      }
      return KeyRing.parseText(String.join(",", secretKeys) + "\n" + fromFile);
    }

    @Override
    public String toString() {
      return "Security[allowedNetworks=" + allowedNetworks + ", secretKeys=" + secretKeys.size() + " configured"
          + ", secretKeysFile=" + secretKeysFile + "]";
    }
  }

  /**
   * Hazelcast over TCP/IP: {@code members} are "host" or "host:port" of other members.
   * {@code eventBusPort} is where other members send this one's event-bus messages; 0 picks a free
   * port at start (fine on a trusted network, impossible to firewall).
   */
  public record Cluster(boolean enabled, String name, String host, int port, List<String> members, int eventBusPort) {
    /** The same settings with clustering off (tools that must stay private to this process). */
    public Cluster disabled() {
      return new Cluster(false, name, host, port, members, eventBusPort);
    }
  }

  /** Validates a complete config tree (defaults already merged in). */
  public static HooklineConfig from(JsonObject json) {
    return from(json, Map.of());
  }

  /**
   * As {@link #from(JsonObject)}, also refusing any variable in {@code env} that starts with
   * {@code HOOKLINE_} but sets no key (see {@link UnknownNames}); a key in {@code json} that nothing
   * reads is refused either way.
   */
  public static HooklineConfig from(JsonObject json, Map<String, String> env) {
    ConfigReader in = new ConfigReader(json);
    Postgres postgres = new Postgres(in.string("postgres.url"), in.integer("postgres.poolSize", 1, 1000),
        in.integer("postgres.migrationLockWaitSeconds", 0, 7 * 86_400), in.seconds("postgres.schemaCheckSeconds", 0, 3_600));
    Redis redis = redis(in);
    double timeoutSeconds = in.seconds("delivery.timeoutSeconds", 0, 3_600);
    // Unset, the lease follows the timeout, as the reference does: a longer timeout alone must start.
    double leaseSeconds = in.optionalSeconds("delivery.leaseSeconds", 0, 86_400, timeoutSeconds + 60);
    double idlePollSeconds = in.seconds("delivery.idlePollSeconds", 0, 3_600);
    Delivery delivery = new Delivery(
        in.integer("delivery.maxAttempts", 1, 100),
        in.seconds("delivery.baseDelaySeconds", 0, 86_400),
        in.seconds("delivery.maxDelaySeconds", 0, 7 * 86_400),
        timeoutSeconds,
        leaseSeconds,
        in.integer("delivery.instances", 1, 256),
        in.integer("delivery.maxInFlight", 1, 100_000),
        in.string("delivery.headerPrefix"),
        in.integer("delivery.maxPayloadBytes", 1, 64 * 1024 * 1024),
        idlePollSeconds,
        in.seconds("delivery.shutdownGraceSeconds", 0, 3_600),
        in.integer("delivery.maxInFlightPerOrigin", 1, 100_000),
        in.integer("delivery.maxUnrecordedAttempts", 2, 100),
        new Circuit(in.integer("delivery.circuitFailureThreshold", 0, 10_000),
            in.integer("delivery.circuitFailureRatePercent", 1, 100),
            in.seconds("delivery.circuitWindowSeconds", 0, 86_400),
            in.seconds("delivery.circuitCooldownSeconds", 0, 86_400),
            in.seconds("delivery.circuitMaxCooldownSeconds", 0, 7 * 86_400)),
        in.number("delivery.jitter", 0, 0.9),
        in.bool("delivery.disableOnGone"),
        in.integer("delivery.testSendsPerMinute", 1, 100_000),
        // Unset, it follows the lease (see the check below): 120 s with the defaults.
        in.optionalNumber("delivery.stallSeconds", 0, 7 * 86_400, Math.max(leaseSeconds, idlePollSeconds) + 30));
    Sweep sweep = new Sweep(in.seconds("sweep.intervalSeconds", 0, 86_400), in.integer("sweep.pageSize", 1, 100_000));
    Http http = new Http(in.integer("http.port", 0, 65_535), in.string("http.host"),
        in.parse(() -> apiTokens(in.raw("http.apiTokens")), List.of()),
        in.integer("http.maxRequestBytes", 1_024, 64 * 1024 * 1024),
        in.seconds("http.readTimeoutSeconds", 0, 3_600), in.bool("http.enabled"),
        in.integer("http.consoleSessionSeconds", 60, 30 * 24 * 3_600));
    Retention retention = new Retention(in.integer("retention.days", 1, 36_500),
        in.seconds("retention.intervalSeconds", 0, 7 * 86_400), in.integer("retention.batchSize", 1, 100_000));
    Metrics metrics = new Metrics(in.seconds("metrics.refreshSeconds", 0, 3_600));
    Security security = new Security(in.stringList("security.allowedNetworks"), in.stringList("security.secretKeys"),
        in.optionalString("security.secretKeysFile"));
    in.parse(security::addressPolicy, null);
    in.parse(() -> KeyRing.parse(security.secretKeys()), null);
    Events events = new Events(in.optionalString("events.webhookUrl"), in.optionalString("events.secret"),
        in.stringList("events.types"));
    Cluster cluster = new Cluster(in.bool("cluster.enabled"), in.string("cluster.name"), in.string("cluster.host"),
        in.integer("cluster.port", 1, 65_535), in.stringList("cluster.members"),
        in.integer("cluster.eventBusPort", 0, 65_535));

    in.require(isPostgresUrl(postgres.url()),
        "postgres.url must be a postgresql://user@host:port/database URL (got " + postgres.redactedUrl() + ")");
    in.require(redis.keyPrefix().isEmpty() || KEY_PREFIX.matcher(redis.keyPrefix()).matches(),
        "redis.keyPrefix may hold only letters, digits and _ . : { } - (got \"" + redis.keyPrefix() + "\")");
    in.require(delivery.headerPrefix().isEmpty() || HeaderRules.isToken(delivery.headerPrefix()),
        "delivery.headerPrefix must be a valid HTTP header name prefix (got \"" + delivery.headerPrefix() + "\")");
    in.require(delivery.maxDelaySeconds() >= delivery.baseDelaySeconds(),
        "delivery.maxDelaySeconds (" + delivery.maxDelaySeconds() + ") must not be below delivery.baseDelaySeconds ("
            + delivery.baseDelaySeconds() + ")");
    // Successes reach the shared window once a second: a shorter window would judge on failures alone.
    in.require(delivery.circuit().windowSeconds() >= 1,
        "delivery.circuitWindowSeconds must be at least 1 (got " + delivery.circuit().windowSeconds() + ")");
    in.require(delivery.circuit().maxCooldownSeconds() >= delivery.circuit().cooldownSeconds(),
        "delivery.circuitMaxCooldownSeconds (" + delivery.circuit().maxCooldownSeconds()
            + ") must not be below delivery.circuitCooldownSeconds (" + delivery.circuit().cooldownSeconds() + ")");
    // A lease that can run out while the attempt is still legitimately in flight lets a second
    // worker claim and send it again: the lease must outlast the attempt, which the timeout bounds
    // from claim to answer (look-ups and send share one deadline).
    in.require(delivery.leaseSeconds() > delivery.timeoutSeconds(),
        "delivery.leaseSeconds (" + delivery.leaseSeconds() + ") must be longer than delivery.timeoutSeconds ("
            + delivery.timeoutSeconds() + ")");
    // A healthy pump makes progress at least once a lease (an attempt ends inside its lease; a claim
    // or pop that hangs is given up at the lease) and once an idle poll: a shorter stall time would
    // report a pump whose every slot waits on slow receivers, or one asleep between polls.
    in.require(delivery.stallSeconds() == 0 || delivery.stallSeconds() > Math.max(delivery.leaseSeconds(),
            delivery.idlePollSeconds()),
        "delivery.stallSeconds (" + delivery.stallSeconds() + ") must be longer than delivery.leaseSeconds ("
            + delivery.leaseSeconds() + ") and delivery.idlePollSeconds (" + delivery.idlePollSeconds()
            + "), or 0 to turn the stall check off");
    // An API reachable from other machines must not be open to them.
    in.require(!http.enabled() || !http.apiTokens().isEmpty() || isLoopback(http.host()),
        "http.host " + http.host() + " is not a loopback address, so http.apiTokens (HOOKLINE_API_TOKENS) must"
            + " name at least one token");

    in.require(!events.toWebhook() || isHttpUrl(events.webhookUrl()),
        "events.webhookUrl must be an absolute http or https URL, or empty (got " + maskPasswords(events.webhookUrl()) + ")");
    in.require(events.secret().isEmpty() || StandardWebhooks.isValidSecret(events.secret()),
        "events.secret must be a Standard Webhooks secret, whsec_ followed by base64 of 24 to 64 bytes, or empty");
    for (String type : events.types()) {
      in.require(OutcomeEvent.TYPES.contains(type), "events.types: \"" + type + "\" is not an event type (they are: "
          + String.join(", ", OutcomeEvent.TYPES) + ")");
    }

    in.rejectUnknown(env);
    in.throwIfInvalid();
    return new HooklineConfig(postgres, redis, delivery, sweep, http, retention, metrics, cluster, security, events);
  }

  /** The {@code redis} section, with the checks that depend on {@code redis.type}. */
  private static Redis redis(ConfigReader in) {
    String typeName = in.string("redis.type");
    Redis.Type type = Arrays.stream(Redis.Type.values()).filter(t -> t.configName().equals(typeName)).findFirst()
        .orElse(null);
    in.require(type != null || typeName.isEmpty(),
        "redis.type must be standalone, cluster or sentinel (got \"" + typeName + "\")");
    if (type == null) {
      type = Redis.Type.STANDALONE;
    }
    // Only a standalone server must be named by redis.url; the other types may leave it empty.
    String url = type == Redis.Type.STANDALONE ? in.string("redis.url") : in.optionalString("redis.url");
    Redis redis = new Redis(type, url, in.stringList("redis.endpoints"), in.optionalString("redis.masterName"),
        in.string("redis.keyPrefix"), in.integer("redis.shards", 1, 1024), in.integer("redis.poolSize", 1, 1000));
    in.require(url.isEmpty() || isRedisUrl(url), "redis.url must be a redis:// or rediss:// URL (got "
        + redis.redactedUrl() + ")");
    for (int i = 0; i < redis.endpoints().size(); i++) {
      String endpoint = redis.endpoints().get(i);
      in.require(isRedisUrl(endpoint), "redis.endpoints[" + i + "] must be a redis:// or rediss:// URL (got "
          + maskPasswords(endpoint) + ")");
    }
    String endpointsKey = "redis.endpoints (" + ConfigLoader.envName("redis", "endpoints") + ")";
    switch (type) {
      case STANDALONE -> {
        in.require(redis.endpoints().isEmpty(), endpointsKey + " is read only when redis.type is cluster or sentinel;"
            + " set redis.type, or name the server in redis.url");
        in.require(redis.masterName().isEmpty(), "redis.masterName is read only when redis.type is sentinel");
      }
      case CLUSTER -> {
        in.require(!redis.connectionStrings().isEmpty(), endpointsKey + " or redis.url must name at least one node"
            + " of the cluster when redis.type is cluster");
        in.require(redis.masterName().isEmpty(), "redis.masterName is read only when redis.type is sentinel");
        // The first {...} of a key decides its slot: one in the prefix would put every shard in one slot.
        in.require(!redis.keyPrefix().contains("{") && !redis.keyPrefix().contains("}"),
            "redis.keyPrefix must not contain { or } when redis.type is cluster: Hookline sets the hash tags itself"
                + " (got \"" + redis.keyPrefix() + "\")");
      }
      case SENTINEL -> {
        in.require(!redis.endpoints().isEmpty(), endpointsKey + " must list at least one sentinel when redis.type"
            + " is sentinel");
        in.require(!redis.masterName().isEmpty(), "redis.masterName (" + ConfigLoader.envName("redis", "masterName")
            + ") must name the master the sentinels watch when redis.type is sentinel");
      }
    }
    return redis;
  }

  /** Every {@code user:password@} in {@code text} masked, wherever URLs appear in it (a client's error message). */
  public static String maskPasswords(String text) {
    if (text == null) {
      return null;
    }
    return URL_PASSWORD.matcher(text).replaceAll("$1:***@").replaceAll("(?i)(password=)[^&\\s]*", "$1***");
  }

  /**
   * {@code http.apiTokens}: a list whose entries are a string (an operator token) or an object
   * {@code {"token": "...", "organizationId": 7}} (a token for that organization only); one
   * comma-separated string is taken too. Every token has at least 16 characters.
   */
  static List<ApiToken> apiTokens(Object raw) {
    String key = "http.apiTokens";
    List<Object> entries = new ArrayList<>();
    if (raw instanceof String text) {
      entries.addAll(ConfigReader.commaSeparated(text));
    } else if (raw instanceof JsonArray array) {
      array.forEach(entries::add);
    } else {
      throw new IllegalArgumentException(key + " must be a list of tokens (got " + (raw == null ? "nothing" : raw) + ")");
    }
    List<ApiToken> tokens = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      String field = key + "[" + i + "]";
      Object entry = entries.get(i);
      if (entry instanceof Map<?, ?> map) {
        entry = new JsonObject(castMap(map));
      }
      ApiToken token;
      if (entry instanceof String text) {
        token = ApiToken.operator(text);
      } else if (entry instanceof JsonObject object) {
        Object org = object.getValue("organizationId");
        boolean wholeNumber = org instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
        if (!(object.getValue("token") instanceof String text) || !wholeNumber || ((Number) org).longValue() < 1) {
          throw new IllegalArgumentException(field + " must be a token string or {\"token\": \"...\","
              + " \"organizationId\": <positive integer>}");
        }
        token = ApiToken.tenant(text, ((Number) org).longValue());
      } else {
        throw new IllegalArgumentException(field + " must be a token string or an object with token and organizationId");
      }
      if (token.token().length() < 16) {
        throw new IllegalArgumentException(field + " must be at least 16 characters long");
      }
      // One token, one caller: a token listed twice would act as whichever entry comes first.
      if (tokens.stream().anyMatch(t -> t.token().equals(token.token()))) {
        throw new IllegalArgumentException(field + " repeats an earlier token");
      }
      tokens.add(token);
    }
    return List.copyOf(tokens);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
      return true;
    }
    return h.matches("127(\\.\\d{1,3}){3}");
  }

  private static boolean isPostgresUrl(String url) {
    if (!(url.startsWith("postgresql://") || url.startsWith("postgres://"))) {
      return false;
    }
    try {
      PgConnectOptions.fromUri(url);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = URI.create(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean isRedisUrl(String url) {
    try {
      URI uri = URI.create(url);
      return ("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  static Duration seconds(double seconds) {
    return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
  }

}
