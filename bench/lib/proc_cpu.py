#!/usr/bin/env python3
"""CPU time of the processes a benchmark cares about, from /proc.

  proc_cpu.py snapshot --postmaster PID --worker PID --nginx PID > before.json
  ... run the load ...
  proc_cpu.py snapshot ... > after.json
  proc_cpu.py diff before.json after.json --events N [--label TEXT]

Groups (utime + stime, in seconds):
  worker     the booking_events delivery worker
  recorder   the booking_events recorder (--recorder; absent when not given)
  pg_other   the postmaster itself, every other child of it (backends,
             checkpointer, walwriter, autovacuum, the launcher, ...) and the
             children it already reaped (cutime + cstime), so a backend that
             exited between the two snapshots is still counted
  nginx      the nginx master, its workers and its reaped children

  machine    every process of the machine (/proc/stat), to see interference

  proc_cpu.py run --out FILE -- CMD ...   runs CMD and writes its own CPU time
  proc_cpu.py status PID                  VmRSS VmHWM RssAnon RssShmem of one process (kB)
"""
import argparse
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    # The command name may contain spaces; fields resume after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); utime is field 14, cutime 16.
    return {
        "ppid": int(rest[1]),
        "utime": int(rest[11]),
        "stime": int(rest[12]),
        "cutime": int(rest[13]),
        "cstime": int(rest[14]),
    }


def children_of(parent):
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if stat_fields(int(name))["ppid"] == parent:
                kids.append(int(name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return kids


def own(pid):
    f = stat_fields(pid)
    return f["utime"] + f["stime"]


def tree_ticks(root, exclude=()):
    """root's own and reaped-children time plus its live children's own time."""
    f = stat_fields(root)
    total = f["utime"] + f["stime"] + f["cutime"] + f["cstime"]
    for kid in children_of(root):
        if kid in exclude:
            continue
        try:
            total += own(kid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def machine_busy():
    """CPU seconds all processes of the machine used (every core), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest time is already counted in user
    return (sum(fields[:8]) - idle) / TICK


def snapshot(args):
    worker = args.worker
    snap = {"time": time.monotonic(), "worker_pid": worker, "machine": machine_busy()}
    snap["worker"] = own(worker) / TICK if worker else 0.0
    if args.recorder:
        snap["recorder_pid"] = args.recorder
        snap["recorder"] = own(args.recorder) / TICK
    snap["pg_other"] = tree_ticks(args.postmaster, exclude={worker, args.recorder}) / TICK
    snap["nginx"] = tree_ticks(args.nginx) / TICK if args.nginx else 0.0
    json.dump(snap, sys.stdout)
    print()


def diff(args):
    with open(args.before) as f:
        before = json.load(f)
    with open(args.after) as f:
        after = json.load(f)
    wall = after["time"] - before["time"]
    if before.get("worker_pid") != after.get("worker_pid"):
        print("warning: the worker's pid changed during the run", file=sys.stderr)
    if before.get("recorder_pid") != after.get("recorder_pid"):
        print("warning: the recorder's pid changed during the run", file=sys.stderr)
    recorder = ["recorder"] if "recorder" in before and "recorder" in after else []
    groups = ["worker"] + recorder + ["pg_other", "nginx"]
    used = {g: after[g] - before[g] for g in groups}
    total = sum(used.values())
    label = args.label or "CPU"
    print(f"{label}: wall {wall:.2f} s, events {args.events}")
    print(f"  {'process group':<34}{'CPU s':>9}{'% of 1 core':>13}{'us/event':>11}")
    names = {
        "worker": "booking_events worker",
        "recorder": "booking_events recorder",
        "pg_other": "other PostgreSQL processes",
        "nginx": "nginx (master + workers)",
    }
    for g in groups + ["total"]:
        value = total if g == "total" else used[g]
        per = value * 1e6 / args.events if args.events else float("nan")
        pct = 100 * value / wall if wall > 0 else float("nan")
        print(f"  {names.get(g, 'all of the above'):<34}{value:>9.2f}{pct:>12.0f}%{per:>11.1f}")
    if "machine" in before and "machine" in after:
        machine = after["machine"] - before["machine"]
        cores = os.cpu_count() or 1
        load = 0.0
        if args.load_cpu:
            with open(args.load_cpu) as f:
                run_cpu = json.load(f)
            load = run_cpu["user"] + run_cpu["sys"]
            per = load * 1e6 / args.events if args.events else float("nan")
            print(f"  {'load generator (pgbench)':<34}{load:>9.2f}{100 * load / wall:>12.0f}%{per:>11.1f}")
        outside = max(0.0, machine - total - load)
        print(f"  machine: {machine:.2f} CPU s busy of {wall * cores:.2f} available "
              f"({100 * machine / (wall * cores):.0f}%); everything else (other users, "
              f"kernel threads, the poller) {outside:.2f} s = {100 * outside / (wall * cores):.0f}%")
        if outside > 0.1 * wall * cores:
            print("  WARNING: other processes used more than 10% of the machine: figures disturbed")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"wall": wall, "events": args.events, **used, "total": total}, f)


def run(args):
    start = os.times()
    wall = time.monotonic()
    code = subprocess.call(args.command)
    end = os.times()
    with open(args.out, "w") as f:
        json.dump({
            "user": end.children_user - start.children_user,
            "sys": end.children_system - start.children_system,
            "wall": time.monotonic() - wall,
        }, f)
    sys.exit(code)


def status(args):
    values = {}
    with open(f"/proc/{args.pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssShmem"):
                values[key] = int(value.split()[0])
    print(values.get("VmRSS", 0), values.get("VmHWM", 0), values.get("RssAnon", 0),
          values.get("RssShmem", 0))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("snapshot")
    p.add_argument("--postmaster", type=int, required=True)
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--recorder", type=int, default=0)
    p.add_argument("--nginx", type=int, default=0)
    p.set_defaults(func=snapshot)
    p = sub.add_parser("diff")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--events", type=int, default=0)
    p.add_argument("--label")
    p.add_argument("--json")
    p.add_argument("--load-cpu", help="JSON from `run`: CPU of the load generator")
    p.set_defaults(func=diff)
    p = sub.add_parser("run")
    p.add_argument("--out", required=True)
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=run)
    p = sub.add_parser("status")
    p.add_argument("pid", type=int)
    p.set_defaults(func=status)
    args = parser.parse_args()
    if getattr(args, "command", None) and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    args.func(args)


if __name__ == "__main__":
    main()
