"""The receiver's memory and decisions, shared by every handler thread: the
requests recorded (in memory and in the JSONL file), and how each new request
is answered (status queues, failing or stalling the first tries of an event,
throttling, per-path behaviour)."""

import collections
import json
import os
import random
import threading
import time
import urllib.parse

from receiver_config import is_int, validate_config


class State:
    """Everything shared between handler threads, behind one lock."""

    def __init__(self, record_path=None, resume=False):
        self.lock = threading.Lock()
        # Held requests wait on this until the config changes (hold_after).
        self.released = threading.Condition(self.lock)
        self.config_generation = 0
        self.requests = []
        self.seq = 0
        self.per_event = collections.Counter()
        self.config = validate_config({})
        self.queue = collections.deque()
        self.path_queues = {}
        self.accepted_at = collections.defaultdict(collections.deque)
        self.seen_turns = collections.Counter()
        self.record_file = None
        if record_path:
            if resume and os.path.exists(record_path):
                self._load(record_path)
            self.record_file = open(record_path, "a", encoding="utf-8")
            if not resume:
                # Marks where this run begins, so that a later --resume on the
                # same file does not pick up requests of an earlier run.
                self._write_line({"reset": True, "started": True, "time": time.time()})

    def _load(self, path):
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # torn last line after a kill
                if not isinstance(rec, dict):
                    continue
                if rec.get("reset"):  # a reset, or a fresh start ("started")
                    self.requests = []
                    self.per_event.clear()
                    if rec.get("started"):
                        self.seq = 0
                elif is_int(rec.get("seq")):
                    self.requests.append(rec)
                    self.seq = max(self.seq, rec["seq"])
                    wid = (rec.get("headers") or {}).get("webhook-id")
                    if wid is not None:
                        self.per_event[wid] += 1

    def _write_line(self, obj):
        if self.record_file is not None:
            self.record_file.write(json.dumps(obj) + "\n")
            self.record_file.flush()

    def set_config(self, cfg):
        with self.lock:
            self.config = cfg
            self.queue = collections.deque(cfg["statuses"])
            self.path_queues = {p: collections.deque(c["statuses"])
                                for p, c in cfg["paths"].items()}
            self._release_held()

    def current_config(self):
        with self.lock:
            cfg = dict(self.config)
            cfg["statuses"] = list(self.queue)  # what is left of the queue
            cfg["paths"] = {p: dict(c, statuses=list(self.path_queues[p]))
                            for p, c in self.config["paths"].items()}
            return cfg

    def reset(self):
        with self.lock:
            self.requests = []
            self.per_event.clear()
            self.config = validate_config({})
            self.queue = collections.deque()
            self.path_queues = {}
            self.accepted_at.clear()
            self.seen_turns.clear()
            self._release_held()
            self._write_line({"reset": True, "time": time.time()})

    def _release_held(self):
        """A new config or a reset lets every held request be answered."""
        self.config_generation += 1
        self.released.notify_all()

    def hold(self, generation):
        """Blocks a request held by hold_after until the config changes."""
        with self.lock:
            while self.config_generation == generation:
                self.released.wait()

    def decide_and_record(self, rec):
        """Pick how to answer, then record the request.  Returns (plan, rec)."""
        with self.lock:
            cfg = self.config
            queue = self.queue
            wid = rec["headers"].get("webhook-id")
            nth = None
            if wid is not None:
                self.per_event[wid] += 1
                nth = self.per_event[wid]
            path = urllib.parse.urlsplit(rec["path"]).path
            if path in cfg["paths"]:
                # The same event goes to several endpoints: a path counts its own.
                cfg, queue = cfg["paths"][path], self.path_queues[path]
                if wid is not None:
                    self.per_event[(path, wid)] += 1
                    nth = self.per_event[(path, wid)]

            if queue:
                chosen = queue.popleft()
            elif nth is not None and nth <= cfg["fail_first_per_event"]:
                chosen = cfg["fail_status"]
            else:
                chosen = None

            if chosen is None:
                mode = cfg["mode"]
                status = cfg["default_status"]
                if cfg["accept_per_second"] is not None and self._over_rate(
                        path if path in self.config["paths"] else None,
                        cfg["accept_per_second"], rec["time"]):
                    status = 429
            elif isinstance(chosen, str):
                mode = chosen
                status = cfg["default_status"]
            else:
                mode = "normal"
                status = chosen

            if mode in ("close", "reset", "garbage"):
                status = None
            elif mode in ("close_mid_response", "huge"):
                status = 200
            elif mode == "redirect":
                status = 302

            delay = float(cfg["delay_ms"])
            if cfg["random_delay_ms"]:
                lo, hi = cfg["random_delay_ms"]
                delay += random.uniform(lo, hi)
            if nth is not None and nth <= cfg["stall_first_per_event"]:
                delay += float(cfg["stall_ms"])

            retry_after = None
            if status in (429, 503) and cfg["retry_after"] is not None:
                retry_after = cfg["retry_after"]

            # Past the first hold_after requests (since the last reset), a
            # request is recorded now and answered only after the next
            # config or reset: a drain that cannot finish before the test
            # has done what it must do "mid-drain".
            held = (self.config["hold_after"] is not None
                    and len(self.requests) >= self.config["hold_after"])

            self.seq += 1
            rec = dict({"seq": self.seq}, **rec)
            rec["status"] = status
            rec["mode"] = mode
            rec["delay_ms"] = round(delay, 3)
            rec["nth_for_event"] = nth
            rec["held"] = held
            self.requests.append(rec)
            self._write_line(rec)

            plan = {
                "mode": mode,
                "status": status,
                "delay_ms": delay,
                "retry_after": retry_after,
                "redirect_to": cfg["redirect_to"],
                "huge_bytes": cfg["huge_bytes"],
                "body": cfg["response_body"].encode("utf-8"),
                "held_until_generation": self.config_generation if held else None,
            }
            return plan, rec

    def seen_after_ms(self, path):
        """The stall before a request to `path` is seen (recorded): the
        config's seen_after_ms entries taken in turn, per path."""
        with self.lock:
            cfg = self.config["paths"].get(path, self.config)
            stalls = cfg["seen_after_ms"]
            if not stalls:
                return 0.0
            turn = self.seen_turns[path]
            self.seen_turns[path] += 1
            return float(stalls[turn % len(stalls)])

    def _over_rate(self, key, per_second, now):
        """A throttling receiver: accepts per_second requests in any one-second
        window (per path, or for the whole receiver) and refuses the rest."""
        accepted = self.accepted_at[key]
        while accepted and accepted[0] <= now - 1.0:
            accepted.popleft()
        if len(accepted) >= per_second:
            return True
        accepted.append(now)
        return False

    def list_requests(self, since):
        with self.lock:
            if since is None:
                return list(self.requests)
            return [r for r in self.requests if r["seq"] > since]

    def count(self):
        with self.lock:
            return len(self.requests)

    def close(self):
        with self.lock:
            if self.record_file is not None:
                self.record_file.close()
                self.record_file = None
