package dev.hookline.queue;

import dev.hookline.config.HooklineConfig;
import dev.hookline.domain.DueRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Redis schedule: one sorted set per shard (see {@link ShardKeys} for their names), member =
 * delivery id, score = due time in epoch ms. Redis is only an index into Postgres; anything lost
 * here the sweeper restores. In a Redis Cluster no call names two shards: each shard's key is in a
 * slot of its own, on whichever master owns that slot.
 */
public final class DueQueue {
  /** Bounded so the script's {@code unpack} stays far below Lua's stack limit. */
  public static final int MAX_POP = 1_000;
  /** Connections per node a cluster client may open: far above the event loops that hold one each. */
  private static final int CLUSTER_POOL_SIZE = 1_024;
  /**
   * How long a restore waits for a shard's answer, as readiness waits for a node: a master that
   * hangs (paused, partitioned) would otherwise hold the sweeper's pass for good.
   */
  private static final long RESTORE_ANSWER_MILLIS = 2_000;

  /*
   * Pops up to ARGV[1] due ids across the shards KEYS in one atomic step (in a cluster, one shard per
   * call), using the Redis clock so all
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

  /** How many ids of the shards KEYS are due by the Redis clock (ZCOUNT: a walk of the skip list, no members read). */
  private static final String DUE_COUNT_SCRIPT = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local n = 0
      for _, key in ipairs(KEYS) do
        n = n + redis.call('ZCOUNT', key, '-inf', now)
      end
      return n
      """;
  private static final String DUE_COUNT_SHA = Scripts.sha1(DUE_COUNT_SCRIPT);

  private final Redis redis;
  private final ShardKeys keys;
  private final int shards;
  private final AtomicInteger rotation = new AtomicInteger();
  private final AtomicLong pops = new AtomicLong();
  private final Outage outage;
  /** In a cluster, each shard's calls are watched on their own: one master down is one outage, said once. */
  private final List<Outage> shardOutages;
  private final ClusterNodes nodes;

  /** A schedule on one server whose failures are reported as they come (one-shot tools and tests). */
  public DueQueue(Redis redis, String keyPrefix, int shards) {
    this(redis, ShardKeys.standalone(keyPrefix, shards), keyPrefix, Outage.none());
  }

  /** A schedule on one server whose every call is watched by {@code outage} (see below). */
  public DueQueue(Redis redis, String keyPrefix, int shards, Outage outage) {
    this(redis, ShardKeys.standalone(keyPrefix, shards), keyPrefix, outage);
  }

  /** The schedule {@code config} describes, on {@code redis} (a client made by {@link #createClient}). */
  public DueQueue(Redis redis, HooklineConfig.Redis config, Outage outage) {
    this(redis, config.clustered() ? ShardKeys.cluster(config.keyPrefix(), config.shards())
        : ShardKeys.standalone(config.keyPrefix(), config.shards()), config.keyPrefix(), outage);
  }

  /**
   * A schedule whose every call is watched by {@code outage}: an unreachable Redis is logged once
   * there, and the calls fail with {@link Outage.Unreachable} so their callers need not log it too.
   */
  private DueQueue(Redis redis, ShardKeys keys, String keyPrefix, Outage outage) {
    this.redis = redis;
    this.keys = keys;
    this.shards = keys.count();
    this.outage = outage;
    List<Outage> perShard = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      perShard.add(keys.clustered() ? outage.part("schedule shard " + shard + " (" + keys.key(shard) + ")") : outage);
    }
    this.shardOutages = List.copyOf(perShard);
    this.nodes = keys.clustered() ? new ClusterNodes(redis, keyPrefix) : null;
  }

  /** A pooled client on one server, used connection-less (tools and tests). */
  public static Redis createClient(Vertx vertx, String url, int poolSize) {
    return createClient(vertx, new HooklineConfig.Redis(url, "", 1, poolSize), poolSize);
  }

  /**
   * The one place a Redis client is made: pooled and used connection-less, so commands from all
   * verticles share its connections. A cluster client routes each command to the master of its
   * key's slot and follows MOVED/ASK itself; a sentinel client asks the sentinels for the current
   * master (again after a failover).
   */
  public static Redis createClient(Vertx vertx, HooklineConfig.Redis config, int poolSize) {
    RedisOptions options = new RedisOptions()
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(4_096)
        .setMaxWaitingHandlers(4_096);
    config.connectionStrings().forEach(options::addConnectionString);
    switch (config.type()) {
      case CLUSTER -> {
        // Connections are held per event loop (see ClusterClient), not borrowed per command: the
        // pool must never make one wait, so it is not what bounds them.
        options.setType(RedisClientType.CLUSTER).setMaxPoolSize(CLUSTER_POOL_SIZE);
        return new ClusterClient(Redis.createClient(vertx, options));
      }
      case SENTINEL -> options.setType(RedisClientType.SENTINEL).setMasterName(config.masterName())
          .setRole(RedisRole.MASTER);
      case STANDALONE -> options.setType(RedisClientType.STANDALONE);
    }
    return Redis.createClient(vertx, options);
  }

  public String key(int shard) {
    return keys.key(shard);
  }

  public int shardOf(long id) {
    return (int) Math.floorMod(id, (long) shards);
  }

  /**
   * Adds only the ids the schedule lacks (ZADD NX), leaving queued ones at their score: an id a
   * worker deferred on purpose (its origin busy, or its circuit open) keeps waiting. Answers how
   * many were missing, which is what a sweep actually healed.
   *
   * <p>In a Redis Cluster each shard is restored on its own: a shard whose master fails or does not
   * answer within {@value #RESTORE_ANSWER_MILLIS} ms is reported by its {@link Outage} (once per
   * outage) and named in the answer, and the other shards' ids are restored all the same. Shards in
   * {@code skip} (found unreachable earlier in the same sweep) are not asked again. Fails when no
   * shard can be asked, or on one server when that server does not answer.
   */
  public Future<Restored> restoreMissing(List<DueRef> refs, Set<Integer> skip) {
    Map<Integer, Request> byShard = zaddByShard(refs.stream().filter(ref -> !skip.contains(shardOf(ref.id()))).toList(),
        "NX");
    if (byShard.isEmpty()) {
      return Future.succeededFuture(new Restored(0, Set.of()));
    }
    List<Integer> order = new ArrayList<>(byShard.keySet());
    order.sort(null);
    if (!keys.clustered()) {
      return outage.watch(redis.batch(order.stream().map(byShard::get).toList())
              .timeout(RESTORE_ANSWER_MILLIS, TimeUnit.MILLISECONDS))
          .map(responses -> new Restored(responses.stream().mapToLong(Response::toLong).sum(), Set.of()));
    }
    List<Future<Response>> sends = order.stream().map(shard -> shardOutages.get(shard)
        .watch(redis.send(byShard.get(shard)).timeout(RESTORE_ANSWER_MILLIS, TimeUnit.MILLISECONDS))).toList();
    return Future.join(sends).transform(done -> {
      long added = 0;
      Set<Integer> unreachable = new TreeSet<>();
      Throwable failure = null;
      for (int i = 0; i < sends.size(); i++) {
        Future<Response> send = sends.get(i);
        if (send.succeeded()) {
          added += send.result().toLong();
        } else {
          unreachable.add(order.get(i));
          failure = send.cause();
        }
      }
      Set<Integer> down = new TreeSet<>(skip);
      down.addAll(unreachable);
      if (down.size() >= shards && failure != null) {
        return Future.failedFuture(failure);
      }
      return Future.succeededFuture(new Restored(added, Set.copyOf(unreachable)));
    });
  }

  /** What a restore did: {@code added} ids were missing and are queued again; {@code unreachable} shards failed. */
  public record Restored(long added, Set<Integer> unreachable) {
  }

  public Future<Void> enqueue(long id, long dueAtMillis) {
    return enqueueAll(List.of(new DueRef(id, dueAtMillis))).mapEmpty();
  }

  /**
   * One ZADD per shard, sent as one pipelined batch (in a cluster, each to its own master).
   * Re-adding a queued id moves its score. Returns how many ids were not queued before.
   */
  public Future<Long> enqueueAll(List<DueRef> refs) {
    return zadd(refs, null);
  }

  /**
   * As {@link #enqueueAll}, but an id already queued keeps its score when that is earlier (ZADD LT):
   * for ids put back because they were not claimable yet, whose row may meanwhile have been given an
   * earlier due time by the worker that holds it (a retry recorded while this claim looked), which a
   * later score must not overwrite. Being popped early costs only a claim that finds it not due.
   */
  public Future<Long> enqueueEarliest(List<DueRef> refs) {
    return zadd(refs, "LT");
  }

  /** One pipelined ZADD per shard; answers how many ids were not queued before. */
  private Future<Long> zadd(List<DueRef> refs, String option) {
    if (refs.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    return perShard(zaddByShard(refs, option)).map(responses -> responses.stream().mapToLong(Response::toLong).sum());
  }

  /** One ZADD per shard holding any of {@code refs}, with {@code option} (NX, LT) when not null. */
  private Map<Integer, Request> zaddByShard(List<DueRef> refs, String option) {
    Map<Integer, Request> byShard = new HashMap<>();
    for (DueRef ref : refs) {
      byShard.computeIfAbsent(shardOf(ref.id()), shard -> {
            Request zadd = Request.cmd(Command.ZADD).arg(key(shard));
            return option == null ? zadd : zadd.arg(option);
          })
          .arg(ref.dueAtMillis())
          .arg(ref.id());
    }
    return byShard;
  }

  public Future<Popped> popDue(int max) {
    int limit = Math.max(1, Math.min(max, MAX_POP));
    int start = Math.floorMod(rotation.getAndIncrement(), shards);
    pops.incrementAndGet();
    if (keys.clustered()) {
      return popShards(start, 0, limit, new ArrayList<>(), -1, -1, null);
    }
    return eval(outage, rotatedKeys(start), limit).map(DueQueue::toPopped);
  }

  /**
   * The pop of a cluster: the same script on one shard at a time, from {@code start} in rotation,
   * until {@code limit} ids are taken or every shard was asked; so no shard starves behind a busy
   * one. A shard whose master cannot be reached is skipped (its outage is reported once, and its ids
   * wait there, or in Postgres for the sweeper): the other masters' deliveries keep going. Fails only
   * when no shard answered.
   */
  private Future<Popped> popShards(int start, int visited, int limit, List<Long> ids, long now, long nextDue,
                                   Throwable firstFailure) {
    if (visited == shards || ids.size() >= limit) {
      if (now < 0) {
        return Future.failedFuture(firstFailure);
      }
      return Future.succeededFuture(new Popped(ids, now, ids.size() >= limit ? -1 : nextDue));
    }
    int shard = (start + visited) % shards;
    return eval(shardOutages.get(shard), List.of(key(shard)), limit - ids.size()).transform(done -> {
      if (done.failed()) {
        return popShards(start, visited + 1, limit, ids, now, nextDue, firstFailure == null ? done.cause()
            : firstFailure);
      }
      Popped popped = toPopped(done.result());
      ids.addAll(popped.ids());
      long due = popped.nextDueMillis();
      long earliest = due < 0 ? nextDue : nextDue < 0 ? due : Math.min(due, nextDue);
      return popShards(start, visited + 1, limit, ids, popped.redisNowMillis(), earliest, firstFailure);
    });
  }

  /** How many pops this client has issued: how often the workers looked at the schedule. */
  public long popsIssued() {
    return pops.get();
  }

  /** Total queued ids over all shards (tests and operators). */
  public Future<Long> size() {
    return depthByShard().map(depths -> depths.stream().mapToLong(Long::longValue).sum());
  }

  /**
   * Queued ids that are due now (score at or before the Redis clock's now), over all shards: work
   * waiting for a pump. Ids deferred on purpose (an origin at its cap, an open circuit) are queued
   * for later and not counted.
   */
  public Future<Long> dueCount() {
    if (!keys.clustered()) {
      return outage.watch(Scripts.run(redis, DUE_COUNT_SCRIPT, DUE_COUNT_SHA, rotatedKeys(0), List.of()))
          .map(Response::toLong);
    }
    List<Future<Response>> counts = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      counts.add(shardOutages.get(shard).watch(Scripts.run(redis, DUE_COUNT_SCRIPT, DUE_COUNT_SHA, List.of(key(shard)),
          List.of())));
    }
    return Future.all(counts).map(all -> counts.stream().mapToLong(count -> count.result().toLong()).sum());
  }

  /** Queued ids per shard, index = shard (in a cluster, each counted on its own master). */
  public Future<List<Long>> depthByShard() {
    Map<Integer, Request> requests = new HashMap<>();
    for (int shard = 0; shard < shards; shard++) {
      requests.put(shard, Request.cmd(Command.ZCARD).arg(key(shard)));
    }
    return perShard(requests).map(responses -> responses.stream().map(Response::toLong).toList());
  }

  /** Deletes every shard of this schedule (tools that made a throw-away prefix). */
  public Future<Void> clear() {
    if (keys.clustered()) {
      Map<Integer, Request> requests = new HashMap<>();
      for (int shard = 0; shard < shards; shard++) {
        requests.put(shard, Request.cmd(Command.DEL).arg(key(shard)));
      }
      return perShard(requests).mapEmpty();
    }
    Request del = Request.cmd(Command.DEL);
    for (int shard = 0; shard < shards; shard++) {
      del.arg(key(shard));
    }
    return outage.watch(redis.send(del)).mapEmpty();
  }

  /** Answers when Redis does (readiness): in a cluster, when every master does. */
  public Future<Void> ping() {
    if (keys.clustered()) {
      return nodes().compose(all -> all.stream().anyMatch(ClusterNodes.Node::servesSlots)
          && all.stream().filter(ClusterNodes.Node::servesSlots).allMatch(ClusterNodes.Node::up)
          ? Future.succeededFuture() : Future.failedFuture("not every master of the Redis Cluster answers: " + all));
    }
    return outage.watch(redis.send(Request.cmd(Command.PING))).mapEmpty();
  }

  /** In a cluster, every node and whether it can be reached (readiness, the gauge); elsewhere empty. */
  public Future<List<ClusterNodes.Node>> nodes() {
    return nodes == null ? Future.succeededFuture(List.of()) : outage.watch(nodes.check());
  }

  /** True when the schedule lives in a Redis Cluster. */
  public boolean clustered() {
    return keys.clustered();
  }

  /** The queued score of an id, or null when it is not queued. */
  public Future<Long> scoreOf(long id) {
    int shard = shardOf(id);
    return shardOutages.get(shard).watch(redis.send(Request.cmd(Command.ZSCORE).arg(key(shard)).arg(id)))
        .map(response -> response == null ? null : Math.round(response.toDouble()));
  }

  /**
   * One request per shard, answers in shard order. On one server they go as one pipelined batch; in
   * a cluster each goes to its own shard's master (a batch must stay on one node), and all must
   * succeed.
   */
  private Future<List<Response>> perShard(Map<Integer, Request> byShard) {
    List<Integer> order = new ArrayList<>(byShard.keySet());
    order.sort(null);
    if (!keys.clustered()) {
      return outage.watch(redis.batch(order.stream().map(byShard::get).toList()));
    }
    List<Future<Response>> sends = order.stream()
        .map(shard -> shardOutages.get(shard).watch(redis.send(byShard.get(shard))))
        .toList();
    return Future.all(sends).map(all -> sends.stream().map(Future::result).toList());
  }

  private Future<Response> eval(Outage watcher, List<String> keyNames, int limit) {
    return watcher.watch(Scripts.run(redis, POP_SCRIPT, POP_SHA, keyNames, List.of(Integer.toString(limit))));
  }

  /** Starts each pop at a different shard so no shard waits behind a busy one. */
  private List<String> rotatedKeys(int start) {
    List<String> names = new ArrayList<>(shards);
    for (int i = 0; i < shards; i++) {
      names.add(key((start + i) % shards));
    }
    return names;
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
