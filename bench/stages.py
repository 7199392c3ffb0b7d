#!/usr/bin/env python3
"""Attributes an async-profiler collapsed-stack profile of a bench run to delivery stages.

usage: bench/stages.py PROFILE.collapsed [PROFILE2.collapsed]   (profiles taken with `threads`)

Each sample goes to the first stage whose pattern matches a frame, walking from the leaf towards
the root, so library code is charged to the Hookline step that called it (a socket write under the
receiver send is "send"); samples no step claims are "event loop, I/O not attributed". Threads
other than the event loops are grouped by kind (JIT compiler, GC, ...). With two profiles it prints
them side by side, in CPU share and in samples per profile.
"""
import collections
import re
import sys

STAGES = [
    ("load generator (bench's own creates)", r"dev/hookline/cli/Bench"),
    ("intake: parse, render, validate", r"dev/hookline/intake/(?!DeliveryIntake\.(store|insert))|dev/hookline/security/DestinationCheck"),
    ("intake: insert (Postgres)", r"dev/hookline/store/(DeliveryRepository\.(insert|create)|CreatePlan)|dev/hookline/intake/DeliveryIntake\.(store|insert)"),
    ("queue (Redis pops and pushes)", r"dev/hookline/queue/|io/vertx/redis/"),
    ("claim and outcome write (Postgres)", r"dev/hookline/store/|io/vertx/pgclient/|io/vertx/sqlclient/"),
    ("send to the receiver (HTTP client)", r"dev/hookline/delivery/(WebhookSender|ReceiverClient|OutboundRequests|InterimResponses)|io/vertx/core/http/|io/netty/handler/codec/http/"),
    ("events, metrics, logging", r"dev/hookline/(events|metrics)/|io/micrometer/|io/vertx/micrometer/|ch/qos/logback/|org/slf4j/"),
    ("attempt logic (guard, policy, health)", r"dev/hookline/(delivery|security|domain|credentials)/"),
    ("event bus", r"io/vertx/core/eventbus/"),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in STAGES]


def thread_kind(frame):
    name = re.sub(r"\s*tid=\d+", "", frame).strip("[]")
    if "Compiler" in name:
        return "JIT compiler threads"
    if name.startswith(("G1", "GC", "VM Thread")) or "GC" in name:
        return "GC and VM threads"
    if "eventloop" in name:
        return None
    if "AsyncAppender" in name:
        return "log appender thread"
    return "other threads"


def load(path):
    counts = collections.Counter()
    for line in open(path):
        line = line.rstrip()
        if not line:
            continue
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        kind = thread_kind(frames[0])
        if kind is None:
            kind = "event loop, I/O not attributed (epoll, syscalls, Netty)"
            for frame in reversed(frames[1:]):
                hit = next((name for name, pattern in COMPILED if pattern.search(frame)), None)
                if hit:
                    kind = hit
                    break
        counts[kind] += int(n)
    return counts


def main():
    profiles = [load(p) for p in sys.argv[1:]]
    keys = sorted(set().union(*profiles), key=lambda k: -profiles[0].get(k, 0))
    totals = [sum(p.values()) for p in profiles]
    header = "| Stage | " + " | ".join(f"{p} (share)" for p in sys.argv[1:]) + " |"
    print(header)
    print("|---" * (len(profiles) + 1) + "|")
    for key in keys:
        cells = [f"{p.get(key, 0) * 100 / t:.1f} %" for p, t in zip(profiles, totals)]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print("| samples (1 ms of CPU each) | " + " | ".join(str(t) for t in totals) + " |")


if __name__ == "__main__":
    main()
