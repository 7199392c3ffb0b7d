package dev.hookline.queue;

import dev.hookline.config.HooklineConfig;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-origin circuit state shared by every worker through one Redis hash,
 * {@code <prefix>:circuits:v2}: field = origin, value = "opens,openUntil,probeUntil,updatedAt,closedAt"
 * followed by the window's buckets, each "start,started,failed,succeeded" (epoch ms on the Redis
 * clock; ten buckets span the window). Each transition is one script on the one key, so workers
 * racing on one origin cannot lose a count, double a cool-down twice or both win the probe, and a
 * Redis Cluster takes it as it is. (Older releases kept a simpler record in {@code <prefix>:circuits},
 * which this store neither reads nor writes, so old and new workers never misread each other.)
 */
public final class CircuitStore {
  /*
   * The clock, the record and its window, shared by every script. A bucket counts the calls workers
   * reported while it was the current one: started, failed and succeeded. The window's calls are
   * max(started, failed + succeeded): a worker reports a start once a call started no earlier has
   * been answered, and an answer can outlive its start's bucket or precede a close.
   */
  private static final String RECORD = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local function parse(v)
        local n = {}
        if v then for x in string.gmatch(v, '%d+') do n[#n + 1] = tonumber(x) end end
        local r = {o = n[1] or 0, u = n[2] or 0, p = n[3] or 0, w = n[4] or 0, c = n[5] or 0, b = {}}
        for i = 6, #n - 3, 4 do r.b[#r.b + 1] = {n[i], n[i + 1], n[i + 2], n[i + 3]} end
        return r
      end
      local function save(origin, r)
        local parts = {string.format('%d,%d,%d,%d,%d', r.o, r.u, r.p, now, r.c)}
        for _, b in ipairs(r.b) do parts[#parts + 1] = string.format('%d,%d,%d,%d', b[1], b[2], b[3], b[4]) end
        redis.call('HSET', KEYS[1], origin, table.concat(parts, ','))
      end
      local function count(r, window, started, failed, succeeded)
        local kept = {}
        for _, b in ipairs(r.b) do if b[1] > now - window then kept[#kept + 1] = b end end
        r.b = kept
        local width = math.max(1, math.floor(window / 10))
        local start = now - now % width
        local last = r.b[#r.b]
        if not last or last[1] ~= start then
          last = {start, 0, 0, 0}
          r.b[#r.b + 1] = last
        end
        last[2], last[3], last[4] = last[2] + started, last[3] + failed, last[4] + succeeded
      end
      local function totals(r, window)
        local s, f, k = 0, 0, 0
        for _, b in ipairs(r.b) do
          if b[1] > now - window then s, f, k = s + b[2], f + b[3], k + b[4] end
        end
        return f, math.max(s, f + k)
      end
      """;

  /*
   * A transient failure, with the calls the reporting worker started and saw succeed since it last
   * reported. Closed: count them, and open (emptying the window) when CircuitRule says so; a failure
   * of a call started before the circuit last closed is not counted, since it says nothing about the
   * origin since. Open: only the probe's failure matters (answers to older sends say nothing new): it
   * re-opens with the cool-down doubled, up to the cap. ARGV: origin, started, succeeded, when the
   * failed call started, probe, threshold, rate %, window ms, cool-down ms, cap ms.
   */
  private static final Script FAILURE = new Script(RECORD + """
      local r = parse(redis.call('HGET', KEYS[1], ARGV[1]))
      local window, threshold, rate = tonumber(ARGV[8]), tonumber(ARGV[6]), tonumber(ARGV[7])
      local opened, f, c = 0, 0, 0
      if r.o == 0 then
        local failed = 0
        if tonumber(ARGV[4]) >= r.c then failed = 1 end
        count(r, window, tonumber(ARGV[2]), failed, tonumber(ARGV[3]))
        f, c = totals(r, window)
        if failed == 1 and f >= threshold and 100 * (f - threshold) >= rate * (c - threshold) then
          r.o, r.u, r.p, r.b, opened = 1, now + tonumber(ARGV[9]), 0, {}, 1
        end
        save(ARGV[1], r)
      elseif ARGV[5] == '1' then
        r.o = r.o + 1
        r.u = now + math.min(tonumber(ARGV[10]), tonumber(ARGV[9]) * 2 ^ math.min(r.o - 1, 40))
        r.p, opened = 0, 1
        save(ARGV[1], r)
      end
      return {r.o, r.u, now, f, c, opened}
      """);

  /*
   * The probe got an answer that is not a transient failure: the circuit closes, and its window
   * starts empty from now. 1 if this closed it.
   */
  private static final Script CLOSE = new Script(RECORD + """
      local r = parse(redis.call('HGET', KEYS[1], ARGV[1]))
      if r.o == 0 then return 0 end
      r.o, r.u, r.p, r.c, r.b = 0, 0, 0, now, {}
      save(ARGV[1], r)
      return 1
      """);

  /*
   * Asks whether a delivery may go. A closed circuit: yes ({1, 0, now}). An open one still cooling
   * down: no, until its end. One whose cool-down is over: yes to exactly one caller, as its probe
   * ({1, openUntil, now}), held until ARGV[2] ms pass (then the probe is presumed lost and another
   * may go); no to the rest until then.
   */
  private static final Script PROBE = new Script(RECORD + """
      local r = parse(redis.call('HGET', KEYS[1], ARGV[1]))
      if r.o == 0 then return {1, 0, now} end
      if now < r.u then return {0, r.u, now} end
      if r.p > now then return {0, r.p, now} end
      r.p = now + tonumber(ARGV[2])
      save(ARGV[1], r)
      return {1, r.u, now}
      """);

  /*
   * One worker's periodic call: adds the calls it started and saw succeed to the windows of the
   * closed circuits that have one (an origin without a record has no failure to weigh them against),
   * then answers every record for its local view, as "opens,openUntil,probeUntil,updated,failures,calls".
   * A closed record with no failure in its window is dropped once ARGV[2] ms have passed since it
   * closed (so late failures of sends from before the close are still recognised); an open one
   * nothing has touched for ARGV[3] ms after its cool-down and probe (one with waiting deliveries is
   * probed, and so touched, at least every maximum cool-down). ARGV: window ms, keep closed ms,
   * forget open ms, then origin, started, succeeded for each origin.
   */
  private static final Script REFRESH = new Script(RECORD + """
      local window = tonumber(ARGV[1])
      for i = 4, #ARGV - 2, 3 do
        local v = redis.call('HGET', KEYS[1], ARGV[i])
        if v then
          local r = parse(v)
          if r.o == 0 then
            count(r, window, tonumber(ARGV[i + 1]), 0, tonumber(ARGV[i + 2]))
            save(ARGV[i], r)
          end
        end
      end
      local all = redis.call('HGETALL', KEYS[1])
      local out = {now}
      for i = 1, #all, 2 do
        local r = parse(all[i + 1])
        local f, c = totals(r, window)
        local drop
        if r.o == 0 then
          drop = f == 0 and r.c < now - tonumber(ARGV[2])
        else
          drop = math.max(r.u, r.p, r.w) < now - tonumber(ARGV[3])
        end
        if drop then
          redis.call('HDEL', KEYS[1], all[i])
        else
          out[#out + 1] = all[i]
          out[#out + 1] = string.format('%d,%d,%d,%d,%d,%d', r.o, r.u, r.p, r.w, f, c)
        end
      end
      return out
      """);

  private final Redis redis;
  private final String key;
  private final HooklineConfig.Circuit rule;
  private final Outage outage;

  public CircuitStore(Redis redis, String keyPrefix, HooklineConfig.Circuit rule) {
    this(redis, keyPrefix, rule, Outage.none());
  }

  /**
   * {@code outage} watches the periodic refresh only: it is the call that polls Redis whatever the
   * traffic, so it is what reports an unreachable Redis once rather than on every pass.
   */
  public CircuitStore(Redis redis, String keyPrefix, HooklineConfig.Circuit rule, Outage outage) {
    this.redis = redis;
    this.key = keyPrefix + ":circuits:v2";
    this.rule = rule;
    this.outage = outage;
  }

  /**
   * Records a transient failure of a call started at {@code startedAtMillis} (Redis clock), with
   * {@code counts} of the reporting worker; {@code probe} when it answered this worker's probe.
   * Answers the circuit after it, and whether this very failure opened (or re-opened) it.
   */
  public Future<Failure> failure(String origin, Counts counts, long startedAtMillis, boolean probe) {
    return FAILURE.run(redis, key, origin, String.valueOf(counts.started()), String.valueOf(counts.succeeded()),
        String.valueOf(startedAtMillis), probe ? "1" : "0", String.valueOf(rule.failureThreshold()),
        String.valueOf(rule.failureRatePercent()), String.valueOf(rule.window().toMillis()),
        String.valueOf(rule.cooldown().toMillis()), String.valueOf(rule.maxCooldown().toMillis())).map(r -> {
          long now = r.get(2).toLong();
          CircuitState state = new CircuitState(r.get(3).toInteger(), r.get(4).toInteger(), r.get(0).toInteger(),
              r.get(1).toLong(), 0, now, now);
          return new Failure(state, r.get(5).toInteger() == 1);
        });
  }

  /** The probe was answered: closes the circuit, its window empty; true when this closed it. */
  public Future<Boolean> close(String origin) {
    return CLOSE.run(redis, key, origin).map(r -> r.toLong() == 1);
  }

  /** Answers whether this caller may send now, and if so whether as the probe (held for {@code probeLease}). */
  public Future<ProbeGrant> tryProbe(String origin, Duration probeLease) {
    return PROBE.run(redis, key, origin, String.valueOf(probeLease.toMillis()))
        .map(r -> new ProbeGrant(r.get(0).toInteger() == 1, r.get(1).toLong(), r.get(2).toLong()));
  }

  /**
   * Adds {@code counts} (per origin: this worker's calls since it last reported them) to the windows
   * of the closed circuits, then reads every record, keyed by origin. A closed record with no failure
   * in its window is dropped once {@code keepClosed} has passed since it closed; an open one
   * untouched for {@code forgetOpen} after its cool-down and probe.
   */
  public Future<Snapshot> refresh(Map<String, Counts> counts, Duration keepClosed, Duration forgetOpen) {
    List<String> args = new ArrayList<>(3 + 3 * counts.size());
    args.add(String.valueOf(rule.window().toMillis()));
    args.add(String.valueOf(keepClosed.toMillis()));
    args.add(String.valueOf(forgetOpen.toMillis()));
    counts.forEach((origin, c) -> {
      args.add(origin);
      args.add(String.valueOf(c.started()));
      args.add(String.valueOf(c.succeeded()));
    });
    return outage.watch(REFRESH.run(redis, key, args.toArray(String[]::new))).map(r -> {
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

  /** Calls one worker started, and saw succeed, since it last reported them for an origin. */
  public record Counts(int started, int succeeded) {
    public static final Counts NONE = new Counts(0, 0);

    public boolean isEmpty() {
      return started == 0 && succeeded == 0;
    }
  }

  /**
   * {@code opened}: this failure is the one that opened the circuit, or failed its probe. The
   * state's failures and calls are the window as this failure left it, before an opening emptied
   * it (so they say what opened it); zero when the circuit was already open.
   */
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
