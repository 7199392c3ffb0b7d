#!/usr/bin/env bash
# The whole throughput comparison in one command: a base Hookline (default origin/main), this
# checkout's jar, BullMQ and pg-boss (../shared/peers), and the wrk and pgbench ceilings
# (bench/ceilings.sh), all against the same nginx receiver, back to back, in an order that is
# reversed every other round. Then a fixed-rate run of base and new at half the new jar's mean
# sustained pace, for latency. Writes one JSON line per run to bench/results/compare-<time>.jsonl and
# prints a Markdown table of means (with min–max) and ratios.
#
# Usage: bench/compare.sh [--quick] [BASE]
#   BASE: a git ref to build (default origin/main) or a jar path; or set BASE_JAR.
#   --quick: small N, one round, short ceilings: checks that everything runs, measures nothing.
# Env: ROUNDS (2), N (100000), WARMUP (20000), BULLMQ_N (100000), PGBOSS_N (50000), CEILING_SECONDS (20),
#      NEW_JAR (target/hookline.jar), NEW_JAVA_OPTS (the README's options: -XX:+UseParallelGC and the CDS
#      archive when there is one), BASE_JAVA_OPTS (none), PEERS_DIR (../shared/peers beside this
#      repository), PGBOSS_DB (test), RATE_WARMUP (100000) and RATE_N (60000) for the fixed-rate runs.
# Needs: java, mvn (to build a ref), git, node/npm, nginx, wrk, pgbench, psql, jq, python3; Postgres on
# 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379, as bench does. The machine should be idle:
# only ratios between runs made back to back mean anything.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"

QUICK=0
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
BASE=${1:-origin/main}
ROUNDS=${ROUNDS:-2}; N=${N:-100000}; WARMUP=${WARMUP:-20000}
BULLMQ_N=${BULLMQ_N:-100000}; PGBOSS_N=${PGBOSS_N:-50000}; CEILING_SECONDS=${CEILING_SECONDS:-20}
if [ "$QUICK" = 1 ]; then
  ROUNDS=1; N=5000; WARMUP=1000; BULLMQ_N=5000; PGBOSS_N=2000; CEILING_SECONDS=3; RATE_WARMUP=1000; RATE_N=2000
fi
NEW_JAR=${NEW_JAR:-target/hookline.jar}
if [ -z "${NEW_JAVA_OPTS+set}" ]; then
  # As the README runs it: the parallel collector, and the class-data-sharing archive the build made
  # when there is one.
  NEW_JAVA_OPTS="-XX:+UseParallelGC"
  [ -f target/hookline.jsa ] && [ "$NEW_JAR" = target/hookline.jar ] \
    && NEW_JAVA_OPTS="-XX:SharedArchiveFile=target/hookline.jsa $NEW_JAVA_OPTS"
fi
BASE_JAVA_OPTS=${BASE_JAVA_OPTS:-}
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/peers}
PGBOSS_DB=${PGBOSS_DB:-test}
RECEIVER=http://127.0.0.1:8089/bench
PG="-h 127.0.0.1 -U postgres"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
OUT=${OUT:-bench/results/compare-$STAMP.jsonl}
[ "$QUICK" = 1 ] && OUT=${OUT%.jsonl}-quick.jsonl

log() { printf '[compare] %s\n' "$*" >&2; }
[ -f "$NEW_JAR" ] || { log "no $NEW_JAR: run mvn -B -q package -DskipTests first"; exit 1; }

WORK=$(mktemp -d /tmp/hookline-compare.XXXXXX)
cleanup() {
  if [ -d "$WORK/base" ]; then git -C "$REPO" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the base jar ------------------------------------------------------------------------------
if [ -n "${BASE_JAR:-}" ]; then
  BASE_DESC="$BASE_JAR"
elif [ -f "$BASE" ]; then
  BASE_JAR=$BASE; BASE_DESC=$BASE
else
  commit=$(git rev-parse --verify "$BASE^{commit}")
  BASE_DESC="$BASE ($(git rev-parse --short "$commit"))"
  log "building $BASE_DESC in a temporary worktree"
  git worktree add --detach "$WORK/base" "$commit" >/dev/null 2>&1
  (cd "$WORK/base" && mvn -B -q package -DskipTests -Dcds.skip=true >"$WORK/base-build.log" 2>&1) ||
    { log "building $BASE_DESC failed: see $WORK/base-build.log"; tail -20 "$WORK/base-build.log" >&2; exit 1; }
  BASE_JAR=$WORK/base/target/hookline.jar
fi
NEW_DESC="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo '+changes')"

# --- the peers, in a temporary copy ---------------------------------------------------------------
[ -d "$PEERS_DIR" ] || { log "no peers at $PEERS_DIR (set PEERS_DIR)"; exit 1; }
log "installing the peers (npm) in $WORK/peers"
mkdir -p "$WORK/peers"
(cd "$PEERS_DIR" && tar --exclude=node_modules -cf - .) | (cd "$WORK/peers" && tar -xf -)
(cd "$WORK/peers" && npm install --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1) ||
  { log "npm install failed: see $WORK/npm.log"; exit 1; }
psql $PG -d "$PGBOSS_DB" -c 'select 1' >/dev/null 2>&1 || createdb $PG "$PGBOSS_DB"

bench/ceilings.sh nginx
curl -fsS -o /dev/null -X POST -d x "$RECEIVER" || { log "the nginx receiver does not answer on $RECEIVER"; exit 1; }

# --- one run of each system ---------------------------------------------------------------------------
# Every run appends one line: {system, round, per_s, cpu, cpu_scope, ...}. CPU is the process's
# user+system seconds: for Hookline the measured window only (bench's cpuSeconds), for the peers the
# whole node process (start-up included, so it is an upper bound).
record() { # system round json-object
  jq -c --arg system "$1" --argjson round "$2" --arg at "$(date -u +%FT%TZ)" \
    '{system: $system, round: $round, at: $at} + .' <<<"$3" | tee -a "$OUT" >/dev/null
}

hookline() { # system jar "java options" round bench-args...
  local system=$1 jar=$2 opts=$3 round=$4; shift 4
  local line desc=$NEW_DESC
  [ "${system%-rate}" = base ] && desc=$BASE_DESC
  # shellcheck disable=SC2086
  line=$(java -Xmx512m $opts -jar "$jar" bench --receiver "$RECEIVER" --batch 100 --concurrency 2000 "$@" \
    2>"$WORK/$system.err" | tail -1)
  jq -e .deliveriesPerSecond >/dev/null 2>&1 <<<"$line" || { log "$system: bench failed"; tail -5 "$WORK/$system.err" >&2; return 1; }
  record "$system" "$round" "$(jq -c --arg jar "$jar" --arg desc "$desc" --arg opts "$opts" '{per_s: .deliveriesPerSecond,
      cpu: .cpuSeconds, cpu_scope: "window", machine_cpu: .machineCpuSeconds, p50_ms: .latencyMs.p50,
      p99_ms: .latencyMs.p99, rate: .rate, version: $desc, jar: $jar, java_opts: $opts, bench: .}' <<<"$line")"
}

peer() { # system round script n concurrency
  local system=$1 round=$2 script=$3 n=$4 c=$5 line
  line=$(cd "$WORK/peers" && /usr/bin/time -f '%U %S' -o "$WORK/time" node "$script" "$n" "$c" "$RECEIVER" \
    2>"$WORK/$system.err" | tail -1)
  jq -e .per_s >/dev/null 2>&1 <<<"$line" || { log "$system failed"; tail -5 "$WORK/$system.err" >&2; return 1; }
  local cpu; cpu=$(awk '{print $1 + $2}' "$WORK/time")
  record "$system" "$round" "$(jq -c --argjson cpu "$cpu" '{per_s, cpu: $cpu, cpu_scope: "process", peer: .}' <<<"$line")"
}

ceilings() { # round: wrk (requests/s) and pgbench (claims/s x 100 ids) from bench/ceilings.sh
  local round=$1 text
  text=$(bench/ceilings.sh "$CEILING_SECONDS" 2>&1) || { log "ceilings failed"; echo "$text" | tail -5 >&2; return 1; }
  local rps tps
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$text")
  tps=$(awk '/^tps = / {print $3; exit}' <<<"$text")
  record wrk "$round" "$(jq -nc --argjson v "${rps:-null}" '{per_s: $v, unit: "requests"}')"
  record pgbench "$round" "$(jq -nc --argjson v "${tps:-null}" '{per_s: (if $v then $v * 100 else null end),
      claims_per_s: $v, unit: "ids claimed (100 per claim)"}')"
}

run_system() { # name round
  case $1 in
    base) hookline base "$BASE_JAR" "$BASE_JAVA_OPTS" "$2" --warmup "$WARMUP" --deliveries "$N" --max-pending 20000 ;;
    new) hookline new "$NEW_JAR" "$NEW_JAVA_OPTS" "$2" --warmup "$WARMUP" --deliveries "$N" --max-pending 20000 ;;
    bullmq) peer bullmq "$2" bullmq-bench.mjs "$BULLMQ_N" 256 ;;
    pgboss) peer pgboss "$2" pgboss-bench.mjs "$PGBOSS_N" 64 ;;
    ceilings) ceilings "$2" ;;
  esac
}

log "base: $BASE_DESC${BASE_JAVA_OPTS:+ with $BASE_JAVA_OPTS}; new: $NEW_JAR at $NEW_DESC${NEW_JAVA_OPTS:+ with $NEW_JAVA_OPTS}"
log "results: $OUT"
SYSTEMS=(base new bullmq pgboss ceilings)
for round in $(seq 1 "$ROUNDS"); do
  order=("${SYSTEMS[@]}")
  if [ $((round % 2)) = 0 ]; then order=(ceilings pgboss bullmq new base); fi
  for system in "${order[@]}"; do
    log "round $round: $system"
    run_system "$system" "$round"
  done
done

# --- latency at a fixed rate: half the new jar's mean sustained pace ----------------------------------------
RATE=$(jq -s '[.[] | select(.system == "new" and .rate == null) | .per_s] | add / length / 2 | floor' "$OUT")
for system in new base; do
  log "fixed rate $RATE/s: $system"
  if [ "$system" = new ]; then jar=$NEW_JAR; opts=$NEW_JAVA_OPTS; else jar=$BASE_JAR; opts=$BASE_JAVA_OPTS; fi
  # Latency is a warm JVM's: a long warm-up at the same rate first, so the JIT's first minute (a
  # cold start's cost, measured by bench/coldstart.sh) is not read as delivery latency.
  hookline "$system-rate" "$jar" "$opts" 0 --warmup "${RATE_WARMUP:-100000}" --deliveries "${RATE_N:-60000}" \
    --rate "$RATE"
done

python3 - "$OUT" "$BASE_DESC" "$NEW_DESC" "$RATE" <<'PY'
import json, statistics, sys
out, base_desc, new_desc, rate = sys.argv[1:5]
rows = [json.loads(l) for l in open(out)]
def vals(system, key):
    return [r[key] for r in rows if r["system"] == system and r.get(key) is not None]
def cell(xs, fmt="{:.0f}"):
    if not xs: return "n/a"
    m = statistics.mean(xs)
    return fmt.format(m) + (f" ({fmt.format(min(xs))}–{fmt.format(max(xs))})" if len(xs) > 1 else "")
names = {"base": f"Hookline base, {base_desc}", "new": f"Hookline new, {new_desc}", "bullmq": "BullMQ",
         "pgboss": "pg-boss", "wrk": "wrk ceiling (HTTP requests/s)", "pgbench": "pgbench ceiling (ids claimed/s)"}
print(f"\nSustained throughput, {max(r['round'] for r in rows)} round(s), mean (min–max):\n")
print("| system | per second | CPU s | CPU scope |")
print("|---|---|---|---|")
for s in names:
    scope = ", ".join(sorted(set(r.get("cpu_scope", "") for r in rows if r["system"] == s))) or "-"
    print(f"| {names[s]} | {cell(vals(s, 'per_s'))} | {cell(vals(s, 'cpu'), '{:.1f}')} | {scope} |")
new = vals("new", "per_s")
print("\n| ratio | mean | per round |")
print("|---|---|---|")
for other in ("base", "bullmq", "pgboss"):
    o = vals(other, "per_s")
    if not new or not o: continue
    per_round = []
    for rnd in sorted(set(r["round"] for r in rows if r["system"] == "new")):
        a = [r["per_s"] for r in rows if r["system"] == "new" and r["round"] == rnd]
        b = [r["per_s"] for r in rows if r["system"] == other and r["round"] == rnd]
        if a and b: per_round.append(f"{a[0] / b[0]:.2f}")
    print(f"| new / {other} | {statistics.mean(new) / statistics.mean(o):.2f} | {', '.join(per_round)} |")
print(f"\nFixed rate {rate}/s (half the new jar's mean), create → receiver's answer:\n")
print("| system | per second | p50 ms | p99 ms | CPU s |")
print("|---|---|---|---|---|")
for s in ("base-rate", "new-rate"):
    print(f"| {s} | {cell(vals(s, 'per_s'))} | {cell(vals(s, 'p50_ms'), '{:.1f}')} | {cell(vals(s, 'p99_ms'), '{:.1f}')}"
          f" | {cell(vals(s, 'cpu'), '{:.1f}')} |")
print(f"\nOne line per run: {out}")
PY
