#!/usr/bin/env bash
# The measurements behind SCALING.md. Runs `bench` against a private Postgres 15 (port 55432, with
# pg_stat_statements) and a private Redis (port 56379), so the server-wide counters the bench reads
# (WAL position, Redis INFO commandstats, both servers' CPU) count the bench's work and nothing else.
# Deliveries go to the nginx receiver of bench/ceilings.sh (127.0.0.1:8089).
#
#   bench/scaling.sh servers            start the private servers and nginx (idempotent)
#   bench/scaling.sh counts [N]         one sustained run, 1 worker: the per-delivery costs
#   bench/scaling.sh workers [ROUNDS]   1, 2, 3 worker processes, alternated, ROUNDS times (default 2)
#   bench/scaling.sh ceilings           redis-benchmark on the private Redis; pg_test_fsync and dd on its disk
#   bench/scaling.sh stop               stop the private servers and nginx
#
# Every bench result is one JSON line appended to $OUT (default bench/results/scaling.jsonl).
# Throughput runs wait until no other test JVM (surefire/failsafe) runs, polling every 20 s for up to
# 15 minutes (WAIT_SECONDS), and record whether they had to share the machine anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${SCALING_DIR:-/tmp/hookline-scaling}
PG_PORT=55432
REDIS_PORT=56379
PG_BIN=/usr/lib/postgresql/15/bin
OUT=${OUT:-bench/results/scaling.jsonl}
export HOOKLINE_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export HOOKLINE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
# The sustained, batched run of BENCHMARKS.md, with a shorter warm-up.
BENCH=(java -Xmx512m -jar target/hookline.jar bench --receiver http://127.0.0.1:8089/bench
       --warmup 30000 --batch 100 --concurrency 2000 --max-pending 20000)

as_postgres() { runuser -u postgres -- "$@"; }

start_servers() {
  if [ ! -d "$BASE/pg" ]; then
    mkdir -p "$BASE" && chown postgres "$BASE"
    as_postgres "$PG_BIN/initdb" -D "$BASE/pg" -U postgres --auth=trust >/dev/null
    # Debian's packaged defaults (shared_buffers 128MB, fsync and synchronous_commit on), plus
    # per-statement counters for the claim count.
    cat >> "$BASE/pg/postgresql.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BASE'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
CONF
  fi
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$BASE/pg" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$BASE/pg" -l "$BASE/pg.log" -w start >/dev/null
  fi
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --pidfile "$BASE/redis.pid" --logfile "$BASE/redis.log"
    until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
  fi
  bench/ceilings.sh nginx
}

# Waits while another test JVM runs; prints "alone" or "shared" for the record.
wait_for_quiet_machine() {
  local waited=0
  while pgrep -f 'surefire|failsafe' >/dev/null; do
    if [ "$waited" -ge "${WAIT_SECONDS:-900}" ]; then echo shared; return; fi
    sleep 20; waited=$((waited + 20))
  done
  echo alone
}

# One bench run: appends {"label", "machine", "command", "result"} to $OUT.
run() {
  local label=$1; shift
  local machine; machine=$(wait_for_quiet_machine)
  local log="$BASE/$label.log"
  echo "== $label ($machine): ${BENCH[*]} $*" >&2
  "${BENCH[@]}" "$@" > "$log" 2>&1
  local result; result=$(grep '^{"deliveries"' "$log")
  # A test JVM that started during the run also shared the machine.
  if pgrep -f 'surefire|failsafe' >/dev/null; then machine=shared; fi
  printf '{"label":"%s","at":"%s","machine":"%s","command":"%s","result":%s}\n' \
    "$label" "$(date -u +%FT%TZ)" "$machine" "${BENCH[*]} $*" "$result" >> "$OUT"
  echo "$result" | cut -c1-200 >&2
}

case "${1:-}" in
  servers) start_servers ;;
  counts)
    start_servers
    run counts --deliveries "${2:-100000}" --workers 1 --server-stats ;;
  workers)
    start_servers
    for round in $(seq "${2:-2}"); do
      for n in 1 2 3; do run "workers-$n" --deliveries 100000 --workers "$n" --server-stats; done
    done ;;
  ceilings)
    start_servers
    echo "== redis-benchmark, 50 clients, 1,000,000 requests, no pipelining"
    redis-benchmark -p "$REDIS_PORT" -q -n 1000000 -c 50 -t set,get,zadd,zpopmin | tr '\r' '\n' | grep 'requests per second'
    echo "== pg_test_fsync in the private cluster's directory (WAL flush rate of this disk)"
    "$PG_BIN/pg_test_fsync" -s 2 -f "$BASE/pg/fsync.test"
    echo "== sequential write bandwidth of the same disk, 1 MB writes, flushed at the end"
    dd if=/dev/zero of="$BASE/dd.test" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1
    rm -f "$BASE/dd.test" ;;
  stop)
    as_postgres "$PG_BIN/pg_ctl" -D "$BASE/pg" -m fast stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    bench/ceilings.sh stop ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
