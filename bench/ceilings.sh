#!/usr/bin/env bash
# The two ceilings BENCHMARKS.md compares Hookline with, measured on this machine:
#   HTTP:     wrk against an nginx receiver that answers 200 (the receiver the bench delivers to);
#   Postgres: pgbench running Hookline's own claim statement, 100 ids per claim, on a throw-away
#             database migrated by Hookline itself.
# Usage: bench/ceilings.sh [seconds]   (needs nginx, wrk, pgbench, psql and target/hookline.jar)
# Leaves nginx running on 127.0.0.1:8089 for the bench runs; stop it with: bench/ceilings.sh stop
# (bench/ceilings.sh nginx only starts it)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-20}
RUN_DIR=/tmp/hookline-nginx
PG="-h 127.0.0.1 -U postgres"

start_nginx() {
  mkdir -p "$RUN_DIR"
  cat > "$RUN_DIR/nginx.conf" <<CONF
worker_processes 1;
pid $RUN_DIR/nginx.pid;
error_log $RUN_DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:8089 backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
CONF
  if [ -f "$RUN_DIR/nginx.pid" ] && kill -0 "$(cat "$RUN_DIR/nginx.pid")" 2>/dev/null; then
    return
  fi
  nginx -c "$RUN_DIR/nginx.conf"
}

if [ "${1:-}" = "stop" ]; then
  [ -f "$RUN_DIR/nginx.pid" ] && kill "$(cat "$RUN_DIR/nginx.pid")" || true
  exit 0
fi
if [ "${1:-}" = "nginx" ]; then
  start_nginx
  exit 0
fi

start_nginx
echo "== HTTP ceiling: wrk, 1 thread, 512 connections (Hookline's default in-flight limit, 2 x 256), ${SECONDS_PER_RUN}s"
wrk -t1 -c512 -d"${SECONDS_PER_RUN}s" -s bench/wrk-post.lua http://127.0.0.1:8089/bench

DB="hookline_pgbench_$$"
trap 'dropdb $PG --if-exists "$DB" >/dev/null 2>&1 || true' EXIT
createdb $PG "$DB"
HOOKLINE_POSTGRES_URL="postgresql://postgres@127.0.0.1:5432/$DB" java -jar target/hookline.jar migrate >/dev/null
psql $PG -q -d "$DB" -f bench/pgbench-setup.sql
echo "== Postgres ceiling: pgbench, Hookline's claim statement, 100 ids per claim, 8 clients (postgres.poolSize), ${SECONDS_PER_RUN}s"
pgbench $PG -n -M prepared -c 8 -j 2 -T "$SECONDS_PER_RUN" -f bench/pgbench-claim.sql "$DB"
