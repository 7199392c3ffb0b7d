#!/usr/bin/env bash
# Profiles what a bench run costs Hookline's JVM, stage by stage (BENCHMARKS.md, "Where the CPU goes").
# async-profiler (the jar Maven Central serves, tools.profiler:async-profiler) samples every thread's
# CPU every millisecond, JIT compiler and GC threads included, in 5 s windows; bench/stages.py then
# charges each sample to the delivery stage whose code was running.
#
# usage: bench/profile.sh [JAR] [OUT_DIR]          (default: target/hookline.jar, /tmp/hookline-profile)
#   JAVA_OPTS   extra JVM flags for the profiled run
#   RECEIVER    receiver URL (default: the nginx one bench/ceilings.sh nginx starts)
#   WARMUP, DELIVERIES   the bench's --warmup and --deliveries (default 20000 and 150000; a warm-up
#               of 100000 leaves the JIT's first minute out of the second half)
# Prints two tables: the whole run from start-up (JIT warm-up included), and the steady state (the
# windows after the first half of the run, when the JIT has settled).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-target/hookline.jar}
OUT=${2:-/tmp/hookline-profile}
RECEIVER=${RECEIVER:-http://127.0.0.1:8089/bench}
VERSION=4.2
AP_JAR="$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION.jar"
[ -f "$AP_JAR" ] || mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$VERSION" >/dev/null
rm -rf "$OUT" && mkdir -p "$OUT/lib"
unzip -q -o "$AP_JAR" 'linux-x64/*' -d "$OUT/lib"
AGENT="$OUT/lib/linux-x64/libasyncProfiler.so"

# shellcheck disable=SC2086
java -Xmx512m ${JAVA_OPTS:-} \
  "-agentpath:$AGENT=start,event=cpu,interval=1ms,threads,loop=5s,file=$OUT/window-%t.collapsed,collapsed" \
  -jar "$JAR" bench --receiver "$RECEIVER" --warmup "${WARMUP:-20000}" --deliveries "${DELIVERIES:-150000}" --batch 100 \
  --concurrency 2000 --max-pending 20000 2>/dev/null | grep '^{' > "$OUT/bench.json"

mapfile -t windows < <(ls "$OUT"/window-*.collapsed | sort)
half=$(( ${#windows[@]} / 2 ))
cat "${windows[@]}" > "$OUT/whole.collapsed"
cat "${windows[@]:$half}" > "$OUT/steady.collapsed"
echo "bench: $(cat "$OUT/bench.json")"
python3 bench/stages.py "$OUT/whole.collapsed" "$OUT/steady.collapsed"
