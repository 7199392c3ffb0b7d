#!/usr/bin/env bash
# Figures for a receiver that is only sometimes unhealthy (issue 23, point 1): one worker (the
# jar's `run`, default settings but short retry delays: base 0.05 s, cap 0.2 s, 10 attempts) on a
# fresh database and key prefix, standalone Redis, the circuit breaker at its defaults. In one
# session: 1,000 warm-up deliveries, then N to a healthy receiver path, then N to a path that
# refuses a random FAIL_PERCENT with 503 (bench/FlakyReceiver.java, seeded). Prints each drain
# (first create to last success) and how often the circuit opened (the jar's "circuit open" lines).
#
# Usage: bench/flaky-receiver.sh [JAR]   (default target/hookline.jar)
# Env: N (3000), FAIL_PERCENT (25), SEED (23), ACCEPT_MILLIS (0: how long a 200 takes; a 503 is at
#      once), RECEIVER_PORT (18089), API_PORT (18080), JAVA_OPTS (none), KEEP_LOG (a path to copy
#      the worker's log to).
# Needs: java 17, psql, redis-cli, curl, python3; Postgres on 127.0.0.1:5432 (user postgres, trust)
# and Redis on 127.0.0.1:6379.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
JAR=${1:-$REPO/target/hookline.jar}
N=${N:-3000}; FAIL_PERCENT=${FAIL_PERCENT:-25}; SEED=${SEED:-23}; ACCEPT_MILLIS=${ACCEPT_MILLIS:-0}
RECEIVER_PORT=${RECEIVER_PORT:-18089}; API_PORT=${API_PORT:-18080}
DB=hookline_flaky_$$; PREFIX=hlflaky$$
WORK=$(mktemp -d /tmp/hookline-flaky.XXXXXX)
JAR_PID=; RECEIVER_PID=

log() { printf '[flaky] %s\n' "$*" >&2; }
cleanup() {
  if [ -n "${KEEP_LOG:-}" ] && [ -f "$WORK/hookline.log" ]; then cp "$WORK/hookline.log" "$KEEP_LOG"; fi
  if [ -n "$JAR_PID" ]; then kill "$JAR_PID" 2>/dev/null || true; wait "$JAR_PID" 2>/dev/null || true; fi
  if [ -n "$RECEIVER_PID" ]; then kill "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; fi
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  redis-cli --scan --pattern "$PREFIX:*" | xargs -r redis-cli del >/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

java "$REPO/bench/FlakyReceiver.java" "$RECEIVER_PORT" "$FAIL_PERCENT" "$SEED" "$ACCEPT_MILLIS" >"$WORK/receiver.log" 2>&1 &
RECEIVER_PID=$!

HOOKLINE_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/$DB HOOKLINE_REDIS_KEY_PREFIX=$PREFIX \
HOOKLINE_HTTP_PORT=$API_PORT HOOKLINE_SECURITY_ALLOWED_NETWORKS=127.0.0.0/8 \
HOOKLINE_DELIVERY_BASE_DELAY_SECONDS=0.05 HOOKLINE_DELIVERY_MAX_DELAY_SECONDS=0.2 HOOKLINE_DELIVERY_MAX_ATTEMPTS=10 \
  java ${JAVA_OPTS:-} -jar "$JAR" run >"$WORK/hookline.log" 2>&1 &
JAR_PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "$JAR_PID" 2>/dev/null || { cat "$WORK/hookline.log" >&2; exit 1; }
  sleep 0.2
done
curl -sf "http://127.0.0.1:$RECEIVER_PORT/refused" >/dev/null || { log "receiver not up"; exit 1; }

# Batches of 100 create bodies (examples/create.json) to $1, run ids from $2.
batches() {
  python3 - "$REPO/examples/create.json" "$WORK/batch" "http://127.0.0.1:$RECEIVER_PORT/$1" "$2" "$3" <<'PY'
import json, sys
template, out, url, first, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
body = json.load(open(template))
for b in range(0, count, 100):
    items = []
    for i in range(b, min(count, b + 100)):
        item = json.loads(json.dumps(body))
        item["workflowRunId"] = first + i
        item["renderContext"]["workflow_run_id"] = first + i
        item["webhook"]["endpointUrl"] = url
        items.append(item)
    json.dump(items, open(f"{out}-{b // 100:04d}.json", "w"))
PY
}

succeeded() {
  psql -h 127.0.0.1 -U postgres -d "$DB" -Atc \
    "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status NOT IN ('succeeded', 'pending')),
            coalesce(sum(attempt_count), 0)
       FROM webhook_deliveries WHERE endpoint_url = 'http://127.0.0.1:$RECEIVER_PORT/$1'"
}

# Creates $2 deliveries to path $1 and waits for all to succeed; prints "ms opens attempts".
drain() {
  local path=$1 count=$2 first=$3
  rm -f "$WORK"/batch-*.json
  batches "$path" "$first" "$count"
  local opens_before started now row
  opens_before=$(grep -c 'circuit open' "$WORK/hookline.log" || true)
  started=$(date +%s%N)
  for f in "$WORK"/batch-*.json; do
    curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data "@$f" \
      "http://127.0.0.1:$API_PORT/v1/deliveries/batch"
  done
  while :; do
    row=$(succeeded "$path")
    [ "${row%%|*}" = "$count" ] && break
    [ "$(echo "$row" | cut -d'|' -f2)" = "0" ] || { log "$path: deliveries ended other than succeeded: $row"; exit 1; }
    now=$(date +%s%N)
    [ $(( (now - started) / 1000000000 )) -lt 900 ] || { log "$path: not drained after 900 s: $row"; exit 1; }
    sleep 0.05
  done
  now=$(date +%s%N)
  echo "$(( (now - started) / 1000000 )) $(( $(grep -c 'circuit open' "$WORK/hookline.log" || true) - opens_before )) $(echo "$row" | cut -d'|' -f3)"
}

log "jar $JAR: warming up"
drain warmup 1000 1000000 >/dev/null
healthy=$(drain healthy "$N" 2000000)
read -r healthy_ms healthy_opens healthy_attempts <<<"$healthy"
log "healthy: $healthy_ms ms"
flaky=$(drain flaky "$N" 3000000)
read -r flaky_ms flaky_opens flaky_attempts <<<"$flaky"
refused=$(curl -sf "http://127.0.0.1:$RECEIVER_PORT/refused")
printf '{"jar": "%s", "deliveries": %d, "failPercent": %d, "acceptMillis": %d, "healthyMillis": %d, "healthyOpens": %d, "flakyMillis": %d, "flakyOpens": %d, "flakyAttempts": %d, "refused": %d, "ratio": %.2f}\n' \
  "$JAR" "$N" "$FAIL_PERCENT" "$ACCEPT_MILLIS" "$healthy_ms" "$healthy_opens" "$flaky_ms" "$flaky_opens" "$flaky_attempts" \
  "$refused" "$(echo "$flaky_ms / $healthy_ms" | bc -l)"
