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
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The validated configuration. Built only through {@link #from(JsonObject)}, so every instance is runnable. */
public record HooklineConfig(Postgres postgres, Redis redis, Delivery delivery, Sweep sweep, Http http,
                             Retention retention, Metrics metrics, Cluster cluster, Security security, Events events) {

  private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9_.:{}-]+");

  public record Postgres(String url, int poolSize) {
    public PgConnectOptions connectOptions() {
      return PgConnectOptions.fromUri(url);
    }

    /** The URL as it may appear in a log line: any password is masked. */
    public String redactedUrl() {
      return redact(url);
    }
  }

  public record Redis(String url, String keyPrefix, int shards, int poolSize) {
    public String redactedUrl() {
      return redact(url);
    }
  }

  public record Delivery(int maxAttempts, double baseDelaySeconds, double maxDelaySeconds,
                         double timeoutSeconds, double leaseSeconds, int instances, int maxInFlight,
                         String headerPrefix, int maxPayloadBytes, double idlePollSeconds,
                         double shutdownGraceSeconds, int maxInFlightPerOrigin, int maxUnrecordedAttempts,
                         Circuit circuit, double jitter, boolean disableOnGone, int testSendsPerMinute) {
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
  }

  /**
   * The per-origin circuit breaker: {@code failureThreshold} consecutive transient failures open
   * it (0 turns it off); the first cool-down is {@code cooldownSeconds}, doubled after each failed
   * probe up to {@code maxCooldownSeconds}.
   */
  public record Circuit(int failureThreshold, double cooldownSeconds, double maxCooldownSeconds) {
    public boolean enabled() {
      return failureThreshold > 0;
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
                     boolean enabled) {
    public Duration readTimeout() {
      return seconds(readTimeoutSeconds);
    }

    @Override
    public String toString() {
      return "Http[port=" + port + ", host=" + host + ", apiTokens=" + apiTokens.size() + " configured, maxRequestBytes="
          + maxRequestBytes + ", readTimeoutSeconds=" + readTimeoutSeconds + ", enabled=" + enabled + "]";
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

  /** Hazelcast over TCP/IP: {@code members} are "host" or "host:port" of other members. */
  public record Cluster(boolean enabled, String name, String host, int port, List<String> members) {
    /** The same settings with clustering off (tools that must stay private to this process). */
    public Cluster disabled() {
      return new Cluster(false, name, host, port, members);
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
    Postgres postgres = new Postgres(in.string("postgres.url"), in.integer("postgres.poolSize", 1, 1000));
    Redis redis = new Redis(in.string("redis.url"), in.string("redis.keyPrefix"),
        in.integer("redis.shards", 1, 1024), in.integer("redis.poolSize", 1, 1000));
    double timeoutSeconds = in.seconds("delivery.timeoutSeconds", 0, 3_600);
    Delivery delivery = new Delivery(
        in.integer("delivery.maxAttempts", 1, 100),
        in.seconds("delivery.baseDelaySeconds", 0, 86_400),
        in.seconds("delivery.maxDelaySeconds", 0, 7 * 86_400),
        timeoutSeconds,
        // Unset, the lease follows the timeout, as the reference does: a longer timeout alone must start.
        in.optionalSeconds("delivery.leaseSeconds", 0, 86_400, timeoutSeconds + 60),
        in.integer("delivery.instances", 1, 256),
        in.integer("delivery.maxInFlight", 1, 100_000),
        in.string("delivery.headerPrefix"),
        in.integer("delivery.maxPayloadBytes", 1, 64 * 1024 * 1024),
        in.seconds("delivery.idlePollSeconds", 0, 3_600),
        in.seconds("delivery.shutdownGraceSeconds", 0, 3_600),
        in.integer("delivery.maxInFlightPerOrigin", 1, 100_000),
        in.integer("delivery.maxUnrecordedAttempts", 1, 100),
        new Circuit(in.integer("delivery.circuitFailureThreshold", 0, 10_000),
            in.seconds("delivery.circuitCooldownSeconds", 0, 86_400),
            in.seconds("delivery.circuitMaxCooldownSeconds", 0, 7 * 86_400)),
        in.number("delivery.jitter", 0, 0.9),
        in.bool("delivery.disableOnGone"),
        in.integer("delivery.testSendsPerMinute", 1, 100_000));
    Sweep sweep = new Sweep(in.seconds("sweep.intervalSeconds", 0, 86_400), in.integer("sweep.pageSize", 1, 100_000));
    Http http = new Http(in.integer("http.port", 0, 65_535), in.string("http.host"),
        in.parse(() -> apiTokens(in.raw("http.apiTokens")), List.of()),
        in.integer("http.maxRequestBytes", 1_024, 64 * 1024 * 1024),
        in.seconds("http.readTimeoutSeconds", 0, 3_600), in.bool("http.enabled"));
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
        in.integer("cluster.port", 1, 65_535), in.stringList("cluster.members"));

    in.require(isPostgresUrl(postgres.url()),
        "postgres.url must be a postgresql://user@host:port/database URL (got " + postgres.redactedUrl() + ")");
    in.require(isRedisUrl(redis.url()),
        "redis.url must be a redis:// or rediss:// URL (got " + redis.redactedUrl() + ")");
    in.require(redis.keyPrefix().isEmpty() || KEY_PREFIX.matcher(redis.keyPrefix()).matches(),
        "redis.keyPrefix may hold only letters, digits and _ . : { } - (got \"" + redis.keyPrefix() + "\")");
    in.require(delivery.headerPrefix().isEmpty() || HeaderRules.isToken(delivery.headerPrefix()),
        "delivery.headerPrefix must be a valid HTTP header name prefix (got \"" + delivery.headerPrefix() + "\")");
    in.require(delivery.maxDelaySeconds() >= delivery.baseDelaySeconds(),
        "delivery.maxDelaySeconds (" + delivery.maxDelaySeconds() + ") must not be below delivery.baseDelaySeconds ("
            + delivery.baseDelaySeconds() + ")");
    in.require(delivery.circuit().maxCooldownSeconds() >= delivery.circuit().cooldownSeconds(),
        "delivery.circuitMaxCooldownSeconds (" + delivery.circuit().maxCooldownSeconds()
            + ") must not be below delivery.circuitCooldownSeconds (" + delivery.circuit().cooldownSeconds() + ")");
    // A lease that can run out while the attempt is still legitimately in flight lets a second
    // worker claim and send it again: the lease must outlast the attempt, which the timeout bounds
    // from claim to answer (look-ups and send share one deadline).
    in.require(delivery.leaseSeconds() > delivery.timeoutSeconds(),
        "delivery.leaseSeconds (" + delivery.leaseSeconds() + ") must be longer than delivery.timeoutSeconds ("
            + delivery.timeoutSeconds() + ")");
    // An API reachable from other machines must not be open to them.
    in.require(!http.enabled() || !http.apiTokens().isEmpty() || isLoopback(http.host()),
        "http.host " + http.host() + " is not a loopback address, so http.apiTokens (HOOKLINE_API_TOKENS) must"
            + " name at least one token");

    in.require(!events.toWebhook() || isHttpUrl(events.webhookUrl()),
        "events.webhookUrl must be an absolute http or https URL, or empty (got " + redact(events.webhookUrl()) + ")");
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

  /** Masks the password part of a URL's user info; everything else stays readable for operators. */
  static String redact(String url) {
    return maskUserInfo(url).replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  private static String maskUserInfo(String url) {
    int scheme = url.indexOf("://");
    int at = url.indexOf('@', Math.max(scheme, 0));
    if (scheme < 0 || at < 0) {
      return url;
    }
    String userInfo = url.substring(scheme + 3, at);
    int colon = userInfo.indexOf(':');
    if (colon < 0) {
      return url;
    }
    return url.substring(0, scheme + 3) + userInfo.substring(0, colon) + ":***" + url.substring(at);
  }
}
