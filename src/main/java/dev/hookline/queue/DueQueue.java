package dev.hookline.queue;

import dev.hookline.domain.DueRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Redis schedule: sorted sets {@code <prefix>:due:<shard>}, member = delivery id, score = due
 * time in epoch ms. Redis is only an index into Postgres; anything lost here the sweeper restores.
 */
public final class DueQueue {
  /** Bounded so the script's {@code unpack} stays far below Lua's stack limit. */
  public static final int MAX_POP = 1_000;

  /*
   * Pops up to ARGV[1] due ids across the shards in one atomic step, using the Redis clock so all
   * workers agree on "now". When it comes back short it also reports the earliest future score,
   * so an idle worker can sleep exactly until the next delivery is due.
   */
  private static final String POP_SCRIPT = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local limit = tonumber(ARGV[1])
      local out = {}
      for _, key in ipairs(KEYS) do
        local room = limit - #out
        if room <= 0 then break end
        local ids = redis.call('ZRANGE', key, '-inf', now, 'BYSCORE', 'LIMIT', 0, room)
        if #ids > 0 then
          redis.call('ZREM', key, unpack(ids))
          for _, id in ipairs(ids) do out[#out + 1] = id end
        end
      end
      local nextDue = -1
      if #out < limit then
        for _, key in ipairs(KEYS) do
          local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
          if #first > 0 then
            local score = tonumber(first[2])
            if nextDue < 0 or score < nextDue then nextDue = score end
          end
        end
      end
      return {out, now, nextDue}
      """;
  private static final String POP_SHA = Scripts.sha1(POP_SCRIPT);

  private final Redis redis;
  private final String keyPrefix;
  private final int shards;
  private final AtomicInteger rotation = new AtomicInteger();
  private final AtomicLong pops = new AtomicLong();
  private final Outage outage;

  /** A schedule whose failures are reported as they come (one-shot tools and tests). */
  public DueQueue(Redis redis, String keyPrefix, int shards) {
    this(redis, keyPrefix, shards, Outage.none());
  }

  /**
   * A schedule whose every call is watched by {@code outage}: an unreachable Redis is logged once
   * there, and the calls fail with {@link Outage.Unreachable} so their callers need not log it too.
   */
  public DueQueue(Redis redis, String keyPrefix, int shards, Outage outage) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.shards = shards;
    this.outage = outage;
  }

  /** A pooled client used connection-less; commands from all verticles share its connections. */
  public static Redis createClient(Vertx vertx, String url, int poolSize) {
    return Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(4_096)
        .setMaxWaitingHandlers(4_096));
  }

  public String key(int shard) {
    return keyPrefix + ":due:" + shard;
  }

  public int shardOf(long id) {
    return (int) Math.floorMod(id, (long) shards);
  }

  /**
   * Adds only the ids the schedule lacks (ZADD NX), leaving queued ones at their score: an id a
   * worker deferred on purpose (its origin busy, or its circuit open) keeps waiting. Returns how
   * many were missing, which is what a sweep actually healed.
   */
  public Future<Long> restoreMissing(List<DueRef> refs) {
    return zadd(refs, true);
  }

  public Future<Void> enqueue(long id, long dueAtMillis) {
    return enqueueAll(List.of(new DueRef(id, dueAtMillis))).mapEmpty();
  }

  /**
   * One ZADD per shard, sent as one pipelined batch. Re-adding a queued id moves its score.
   * Returns how many ids were not queued before.
   */
  public Future<Long> enqueueAll(List<DueRef> refs) {
    return zadd(refs, false);
  }

  private Future<Long> zadd(List<DueRef> refs, boolean onlyMissing) {
    if (refs.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    Map<Integer, Request> byShard = new HashMap<>();
    for (DueRef ref : refs) {
      byShard.computeIfAbsent(shardOf(ref.id()), shard -> {
            Request zadd = Request.cmd(Command.ZADD).arg(key(shard));
            return onlyMissing ? zadd.arg("NX") : zadd;
          })
          .arg(ref.dueAtMillis())
          .arg(ref.id());
    }
    return outage.watch(redis.batch(new ArrayList<>(byShard.values())))
        .map(responses -> responses.stream().mapToLong(Response::toLong).sum());
  }

  public Future<Popped> popDue(int max) {
    int limit = Math.max(1, Math.min(max, MAX_POP));
    List<String> keys = rotatedKeys();
    pops.incrementAndGet();
    return eval(keys, limit).map(DueQueue::toPopped);
  }

  /** How many pops this client has issued: how often the workers looked at the schedule. */
  public long popsIssued() {
    return pops.get();
  }

  /** Total queued ids over all shards (tests and operators). */
  public Future<Long> size() {
    return depthByShard().map(depths -> depths.stream().mapToLong(Long::longValue).sum());
  }

  /** Queued ids per shard, index = shard. */
  public Future<List<Long>> depthByShard() {
    List<Request> requests = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      requests.add(Request.cmd(Command.ZCARD).arg(key(shard)));
    }
    return outage.watch(redis.batch(requests)).map(responses -> responses.stream().map(Response::toLong).toList());
  }

  /** Deletes every shard of this schedule (tools that made a throw-away prefix). */
  public Future<Void> clear() {
    Request del = Request.cmd(Command.DEL);
    for (int shard = 0; shard < shards; shard++) {
      del.arg(key(shard));
    }
    return outage.watch(redis.send(del)).mapEmpty();
  }

  /** Answers when Redis does (readiness). */
  public Future<Void> ping() {
    return outage.watch(redis.send(Request.cmd(Command.PING))).mapEmpty();
  }

  /** The queued score of an id, or null when it is not queued. */
  public Future<Long> scoreOf(long id) {
    return outage.watch(redis.send(Request.cmd(Command.ZSCORE).arg(key(shardOf(id))).arg(id)))
        .map(response -> response == null ? null : Math.round(response.toDouble()));
  }

  private Future<Response> eval(List<String> keys, int limit) {
    return outage.watch(Scripts.run(redis, POP_SCRIPT, POP_SHA, keys, List.of(Integer.toString(limit))));
  }

  /** Starts each pop at a different shard so no shard waits behind a busy one. */
  private List<String> rotatedKeys() {
    int start = Math.floorMod(rotation.getAndIncrement(), shards);
    List<String> keys = new ArrayList<>(shards);
    for (int i = 0; i < shards; i++) {
      keys.add(key((start + i) % shards));
    }
    return keys;
  }

  private static Popped toPopped(Response response) {
    Response idsResponse = response.get(0);
    List<Long> ids = new ArrayList<>(idsResponse.size());
    for (Response id : idsResponse) {
      ids.add(id.toLong());
    }
    return new Popped(ids, response.get(1).toLong(), response.get(2).toLong());
  }

  /** Ids taken off the schedule; {@code nextDueMillis} is -1 when nothing else is queued or the pop was full. */
  public record Popped(List<Long> ids, long redisNowMillis, long nextDueMillis) {
  }
}
