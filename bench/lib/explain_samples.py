#!/usr/bin/env python3
"""The delivery worker's statements as auto_explain sampled them.

  explain_samples.py SERVER_LOG WORKER_PID[,RECORDER_PID]

Prints two summary lines (claim, record: how many were sampled, the mean
duration in the first and the last fifth of the run, the slowest), then the
first, the last and the slowest sampled claim plans. Needs auto_explain with
log_analyze in the server (backlog.sh, drain.sh with BENCH_EXPLAIN=1).
"""
import re, sys
# The recorder runs the same record statement while a backlog drains.
pids = set(sys.argv[2].split(","))
entries, current = [], None
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\S+ \S+ \S+ \[(\d+)\] .*?LOG:  duration: ([\d.]+) ms  plan:", line)
    if m:
        current = {"pid": m.group(1), "ms": float(m.group(2)), "lines": []}
        entries.append(current)
        continue
    if current is not None and (line.startswith("\t") or line.startswith(" ")):
        current["lines"].append(line.rstrip())
    elif current is not None:
        current = None
claims = [e for e in entries if e["pid"] in pids and any("SELECT o.id" in l for l in e["lines"])]
records = [e for e in entries if e["pid"] in pids and any("WITH r AS" in l for l in e["lines"])]
def avg(xs):
    return sum(xs) / len(xs) if xs else float("nan")
for name, items in (("claim", claims), ("record", records)):
    k = max(1, len(items) // 5)
    worst = max((e["ms"] for e in items), default=float("nan"))
    print(f"{name}: {len(items)} sampled; mean {avg([e['ms'] for e in items[:k]]):.2f} ms in the first "
          f"fifth of the drain, {avg([e['ms'] for e in items[-k:]]):.2f} ms in the last fifth, "
          f"slowest {worst:.2f} ms")
slowest = sorted(claims, key=lambda e: e["ms"])[-1:]
for label, items in (("first", claims[:1]), ("last", claims[-1:]), ("slowest", slowest)):
    for e in items:
        print(f"-- {label} sampled claim plan ({e['ms']:.2f} ms):")
        plan = [l for l in e["lines"] if re.match(r"\t *(->|[A-Z][a-z]+ |Sort|Buffers|Rows|Index|Filter|Heap|SubPlan|Group|Batches|JIT|Functions|Options|Timing)", l)]
        print("\n".join(l if len(l) <= 160 else l[:157] + "..." for l in plan))
