package dev.hookline.queue;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-origin circuit state shared by every worker through one Redis hash,
 * {@code <prefix>:circuits}: field = origin, value = "failures,openUntil,opens,probeUntil,updatedAt"
 * (epoch ms on the Redis clock). Each transition is one script, so workers racing on one origin
 * cannot lose a failure, double a cool-down twice, or both win the probe.
 */
public final class CircuitStore {
  private static final String PARSE = """
      local function parse(v)
        if not v then return 0, 0, 0, 0, 0 end
        local f, u, o, p, w = string.match(v, '^(%d+),(%d+),(%d+),(%d+),(%d+)$')
        return tonumber(f), tonumber(u), tonumber(o), tonumber(p), tonumber(w)
      end
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      """;

  /* Writes ARGV[1]'s record, stamped with the time of this change. */
  private static final String SAVE = """
      local function save(f, u, o, p)
        redis.call('HSET', KEYS[1], ARGV[1], string.format('%d,%d,%d,%d,%d', f, u, o, p, now))
      end
      """;

  /*
   * A transient failure. Closed: count it, and open once the count reaches the threshold. Open:
   * only the probe's failure matters (older sends that fail late say nothing new); it re-opens
   * with the cool-down doubled, up to the cap. ARGV: origin, threshold, cooldown ms, cap ms, probe.
   */
  private static final Script FAILURE = new Script(PARSE + SAVE + """
      local f, u, o, p = parse(redis.call('HGET', KEYS[1], ARGV[1]))
      local base, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
      local opened = 0
      if o == 0 then
        f = f + 1
        if f >= tonumber(ARGV[2]) then o, u, p, opened = 1, now + base, 0, 1 end
        save(f, u, o, p)
      elseif ARGV[5] == '1' then
        o = o + 1
        u = now + math.min(cap, base * 2 ^ math.min(o - 1, 40))
        p, opened = 0, 1
        save(f, u, o, p)
      end
      return {o, u, now, f, opened}
      """);

  /* An answer that is not a transient failure: the origin is healthy, so its record goes. */
  private static final Script SUCCESS = new Script("return redis.call('HDEL', KEYS[1], ARGV[1])");

  /*
   * Asks whether a delivery may go. A closed circuit: yes ({1, 0, now}). An open one still cooling
   * down: no, until its end. One whose cool-down is over: yes to exactly one caller, as its probe
   * ({1, openUntil, now}), held until ARGV[2] ms pass (then the probe is presumed lost and another
   * may go); no to the rest until then.
   */
  private static final Script PROBE = new Script(PARSE + SAVE + """
      local f, u, o, p = parse(redis.call('HGET', KEYS[1], ARGV[1]))
      if o == 0 then return {1, 0, now} end
      if now < u then return {0, u, now} end
      if p > now then return {0, p, now} end
      p = now + tonumber(ARGV[2])
      save(f, u, o, p)
      return {1, u, now}
      """);

  /*
   * Every origin with a record, for the workers' local view. A record nothing has touched for
   * ARGV[1] ms is dropped: a closed one's few old failures, and an open one whose cool-down and
   * probe have long passed with no delivery left to probe it (one with waiting deliveries is
   * probed, and so touched, at least every maximum cool-down).
   */
  private static final Script SNAPSHOT = new Script(PARSE + """
      local all = redis.call('HGETALL', KEYS[1])
      local out = {now}
      local forget = now - tonumber(ARGV[1])
      for i = 1, #all, 2 do
        local f, u, o, p, w = parse(all[i + 1])
        if math.max(u, p, w) < forget then
          redis.call('HDEL', KEYS[1], all[i])
        else
          out[#out + 1] = all[i]
          out[#out + 1] = all[i + 1]
        end
      end
      return out
      """);

  private final Redis redis;
  private final String key;
  private final Outage outage;

  public CircuitStore(Redis redis, String keyPrefix) {
    this(redis, keyPrefix, Outage.none());
  }

  /**
   * {@code outage} watches the periodic snapshot only: it is the call that polls Redis whatever the
   * traffic, so it is what reports an unreachable Redis once rather than on every pass.
   */
  public CircuitStore(Redis redis, String keyPrefix, Outage outage) {
    this.redis = redis;
    this.key = keyPrefix + ":circuits";
    this.outage = outage;
  }

  /**
   * Records a transient failure; {@code probe} when it was the answer to this worker's probe.
   * Answers the circuit after it, and whether this very failure opened (or re-opened) it.
   */
  public Future<Failure> failure(String origin, int threshold, Duration cooldown, Duration maxCooldown,
                                 boolean probe) {
    return FAILURE.run(redis, key, origin, String.valueOf(threshold), String.valueOf(cooldown.toMillis()),
        String.valueOf(maxCooldown.toMillis()), probe ? "1" : "0").map(r -> {
          int opens = r.get(0).toInteger();
          long now = r.get(2).toLong();
          CircuitState state = new CircuitState(r.get(3).toInteger(), opens == 0 ? 0 : r.get(1).toLong(), opens, 0,
              now, now);
          return new Failure(state, r.get(4).toInteger() == 1);
        });
  }

  /** Closes the origin's circuit and clears its failure count; true when there was a record. */
  public Future<Boolean> success(String origin) {
    return SUCCESS.run(redis, key, origin).map(r -> r.toLong() > 0);
  }

  /** Answers whether this caller may send now, and if so whether as the probe (held for {@code probeLease}). */
  public Future<ProbeGrant> tryProbe(String origin, Duration probeLease) {
    return PROBE.run(redis, key, origin, String.valueOf(probeLease.toMillis()))
        .map(r -> new ProbeGrant(r.get(0).toInteger() == 1, r.get(1).toLong(), r.get(2).toLong()));
  }

  /** Every origin with a record, keyed by origin; records untouched for {@code forgetAfter} are dropped. */
  public Future<Snapshot> snapshot(Duration forgetAfter) {
    return outage.watch(SNAPSHOT.run(redis, key, String.valueOf(forgetAfter.toMillis()))).map(r -> {
      long now = r.get(0).toLong();
      Map<String, CircuitState> states = new HashMap<>();
      for (int i = 1; i + 1 < r.size(); i += 2) {
        states.put(r.get(i).toString(), CircuitState.parse(r.get(i + 1).toString(), now));
      }
      return new Snapshot(states, now);
    });
  }

  /** Removes every record (tests and tools that made a throw-away prefix). */
  public Future<Void> clear() {
    return redis.send(Request.cmd(Command.DEL).arg(key)).mapEmpty();
  }

  /** {@code opened}: this failure is the one that opened the circuit, or failed its probe. */
  public record Failure(CircuitState state, boolean opened) {
  }

  /** {@code redisNowMillis} is when Redis read them. */
  public record Snapshot(Map<String, CircuitState> states, long redisNowMillis) {
  }

  /**
   * {@code untilMillis}: 0 when the circuit is closed; when granted, the end of the cool-down this
   * probe follows; when not, when to ask again at the earliest.
   */
  public record ProbeGrant(boolean granted, long untilMillis, long redisNowMillis) {
    public boolean asProbe() {
      return granted && untilMillis > 0;
    }
  }

  /** One script on this store's one key. */
  private record Script(String source, String sha) {
    Script(String source) {
      this(source, Scripts.sha1(source));
    }

    Future<Response> run(Redis redis, String key, String... args) {
      return Scripts.run(redis, source, sha, List.of(key), List.of(args));
    }
  }
}
