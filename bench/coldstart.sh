#!/usr/bin/env bash
# How fast a cold JVM reaches its warm pace, for several JVM option sets, alternated run by run.
# Each cold run is `bench` with no warm-up (so the measured window starts when Hookline is ready) and
# a timeline of final deliveries per STEP seconds; each warm run is the issue's protocol (20,000
# warm-up deliveries). For every option set it reports the JVM's time to readiness, the JVM uptime
# at which a STEP-second slice first reached 80 % of the default set's warm pace, its own late pace
# (slices after LATE seconds), the JIT's CPU seconds and the process's CPU seconds.
# First, READY_RUNS times per option set (alternated), it times `run` from exec to the first 200 from
# /health/ready (a throw-away database and key prefix, port 18481).
# Usage: bench/coldstart.sh [--quick]      (needs nginx: bench/ceilings.sh nginx; target/hookline.jar
#        and, for the cds sets, target/hookline.jsa; Postgres and Redis as for bench)
# Env: READY_RUNS (5), ROUNDS (2), COLD_N (300000), WARM_N (100000), STEP (2), LATE (45), JAR (target/hookline.jar),
#      VARIANTS: lines of "name|JVM options" (default below; "default" is the reference).
set -euo pipefail
cd "$(dirname "$0")/.."
READY_RUNS=${READY_RUNS:-5}; ROUNDS=${ROUNDS:-2}; COLD_N=${COLD_N:-300000}; WARM_N=${WARM_N:-100000}; STEP=${STEP:-2}; LATE=${LATE:-45}
JAR=${JAR:-target/hookline.jar}
QUICK=""
if [ "${1:-}" = "--quick" ]; then QUICK=-quick; READY_RUNS=1; ROUNDS=1; COLD_N=20000; WARM_N=10000; LATE=5; fi
VARIANTS=${VARIANTS:-"default|
cds|-XX:SharedArchiveFile=target/hookline.jsa
cds-parallel|-XX:SharedArchiveFile=target/hookline.jsa -XX:+UseParallelGC
cds-c1only|-XX:SharedArchiveFile=target/hookline.jsa -XX:TieredStopAtLevel=1"}
RECEIVER=http://127.0.0.1:8089/bench
LOAD="--receiver $RECEIVER --batch 100 --concurrency 2000 --max-pending 20000"
OUT=bench/results/coldstart-$(date -u +%Y%m%dT%H%M%SZ)$QUICK.jsonl
mkdir -p bench/results
curl -fsS -o /dev/null -X POST -d x "$RECEIVER" || { echo "no receiver on $RECEIVER: run bench/ceilings.sh nginx" >&2; exit 1; }
mapfile -t SETS <<<"$VARIANTS"

run() { # kind variant-name options... : one bench run, its JSON line tagged and appended to $OUT
  local kind=$1 name=$2; shift 2
  local args=(--deliveries "$COLD_N" --timeline-step "$STEP")
  [ "$kind" = warm ] && args=(--warmup 20000 --deliveries "$WARM_N")
  local line
  # shellcheck disable=SC2068
  line=$(java -Xmx512m $@ -Xlog:disable -Xlog:all=warning:stderr -jar "$JAR" bench $LOAD "${args[@]}" 2>/dev/null | tail -1)
  jq -c --arg kind "$kind" --arg variant "$name" --arg opts "$*" --argjson round "$ROUND" \
    '{kind: $kind, variant: $variant, options: $opts, round: $round} + .' <<<"$line" | tee -a "$OUT" |
    jq -r '"\(.kind) \(.variant) round \(.round): \(.deliveriesPerSecond)/s ready \(.jvm.readySeconds) s cpu \(.cpuSeconds) s jit \(.jvm.jitSeconds) s"'
}

ready() { # variant-name options... : seconds from exec to /health/ready answering 200
  local name=$1; shift
  local db=hookline_ready_$$ started pid t
  started=$(date +%s.%N)
  # shellcheck disable=SC2068
  HOOKLINE_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/$db HOOKLINE_REDIS_KEY_PREFIX=$db HOOKLINE_HTTP_PORT=18481 \
    java -Xmx512m $@ -Xlog:disable -Xlog:all=warning:stderr -jar "$JAR" run >/dev/null 2>&1 &
  pid=$!
  until curl -fsS -o /dev/null http://127.0.0.1:18481/health/ready 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "run exited before it was ready" >&2; return 1; }
    sleep 0.05
  done
  t=$(echo "$(date +%s.%N) - $started" | bc)
  kill -TERM "$pid"; wait "$pid" || true
  dropdb -h 127.0.0.1 -U postgres --if-exists "$db" >/dev/null 2>&1 || true
  jq -nc --arg variant "$name" --arg opts "$*" --argjson s "$t" '{kind: "ready", variant: $variant, options: $opts, readySeconds: $s}' |
    tee -a "$OUT" | jq -r '"ready \(.variant): \(.readySeconds) s"'
}

for i in $(seq 1 "$READY_RUNS"); do
  order=("${SETS[@]}")
  if [ $((i % 2)) = 0 ]; then mapfile -t order < <(printf '%s\n' "${SETS[@]}" | tac); fi
    for set in "${order[@]}"; do ready "${set%%|*}" ${set#*|}; done
done

for ROUND in $(seq 1 "$ROUNDS"); do
  order=("${SETS[@]}")
  if [ $((ROUND % 2)) = 0 ]; then mapfile -t order < <(printf '%s\n' "${SETS[@]}" | tac); fi
  for set in "${order[@]}"; do run cold "${set%%|*}" ${set#*|}; done
  for set in "${order[@]}"; do run warm "${set%%|*}" ${set#*|}; done
done

python3 - "$OUT" "$LATE" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
late = float(sys.argv[2])
def mean_spread(xs):
    xs = [x for x in xs if x is not None]
    if not xs: return "n/a"
    m = statistics.mean(xs)
    return f"{m:.1f} ({min(xs):.1f}–{max(xs):.1f})" if len(xs) > 1 else f"{m:.1f}"
warm = {}
for r in rows:
    if r["kind"] == "warm": warm.setdefault(r["variant"], []).append(r["deliveriesPerSecond"])
ref_name = "default" if "default" in warm else next(iter(warm), None)
ref = statistics.mean(warm[ref_name]) if warm else 0
ready = {}
for r in rows:
    if r["kind"] == "ready": ready.setdefault(r["variant"], []).append(r["readySeconds"])
if ready:
    print("| options | `run` exec → /health/ready, s |")
    print("|---|---|")
    for name, xs in ready.items():
        print(f"| {name} | {statistics.mean(xs):.2f} ({min(xs):.2f}–{max(xs):.2f}), median {statistics.median(xs):.2f} |")
    print()
if not warm:
    sys.exit(0)
print(f"reference warm pace ({ref_name}, mean of its warm runs): {ref:.0f}/s; 80 % = {0.8*ref:.0f}/s\n")
print("| options | ready s | uptime at 80 % of warm, s | cold run /s | late slices /s | warm run /s | cold CPU s | JIT s |")
print("|---|---|---|---|---|---|---|---|")
for name in dict.fromkeys(r["variant"] for r in rows if r["kind"] != "ready"):
    cold = [r for r in rows if r["kind"] == "cold" and r["variant"] == name]
    reach, lates = [], []
    for r in cold:
        t = r["timeline"]; step = t["stepSeconds"]; pace = t["perSecond"][:-1]  # the last slice is partial
        base = r["jvm"]["measuredFromSeconds"]
        hit = next((i for i, p in enumerate(pace) if p >= 0.8 * ref), None)
        reach.append(None if hit is None else base + (hit + 1) * step)
        tail = [p for i, p in enumerate(pace) if base + i * step >= late]
        lates.append(statistics.mean(tail) if tail else None)
    w = warm.get(name, [])
    print(f"| {name} | {mean_spread([r['jvm']['readySeconds'] for r in cold])} | {mean_spread(reach)}"
          f"{' (not reached in %d)' % reach.count(None) if None in reach else ''} | {mean_spread([r['deliveriesPerSecond'] for r in cold])}"
          f" | {mean_spread(lates)} | {mean_spread(w)} | {mean_spread([r['cpuSeconds'] for r in cold])}"
          f" | {mean_spread([r['jvm']['jitSeconds'] for r in cold])} |")
print(f"\nrows: {sys.argv[1]}")
PY
