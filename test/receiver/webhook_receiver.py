#!/usr/bin/env python3
"""Local webhook receiver for the booking_events tests, demo and fault injection.

Listens on 127.0.0.1 only, records every request that is not under /__control/,
and answers the way the control API tells it to (statuses, per-event failures,
Retry-After, stalls, broken connections, redirects, huge bodies).

Python 3 standard library only.  See README.md next to this file.
"""

import argparse
import base64
import collections
import email.utils
import json
import os
import random
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIND_HOST = "127.0.0.1"
CONTROL_PREFIX = "/__control/"
MAX_BODY_BYTES = 256 * 1024 * 1024  # refuse request bodies larger than this
HUGE_CHUNK = b"x" * 65536

# Ways to answer a (non-control) request.
MODES = ("normal", "close", "reset", "close_mid_response", "garbage", "redirect", "huge")

DEFAULT_CONFIG = {
    "default_status": 200,
    "statuses": [],
    "fail_first_per_event": 0,
    "fail_status": 503,
    "retry_after": None,
    "delay_ms": 0,
    "random_delay_ms": None,
    "stall_first_per_event": 0,
    "stall_ms": 0,
    "mode": "normal",
    "redirect_to": "/redirected",
    "huge_bytes": 50 * 1024 * 1024,
    "response_body": "ok",
    "accept_per_second": None,
    "seen_after_ms": [],
    "paths": {},
}


class ConfigError(ValueError):
    pass


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _status_or_mode(key, v):
    """A status code (100-599) or the name of a mode other than "normal"."""
    if _is_int(v) and 100 <= v <= 599:
        return v
    if isinstance(v, str) and v in MODES and v != "normal":
        return v
    raise ConfigError("%s: expected an HTTP status 100-599 or one of %s, got %r"
                      % (key, ", ".join(m for m in MODES if m != "normal"), v))


def validate_config(raw, nested=False):
    """Full config from a (partial) JSON object; omitted keys get defaults."""
    if not isinstance(raw, dict):
        raise ConfigError("config must be a JSON object")
    if nested and "paths" in raw:
        raise ConfigError("paths: a path's config cannot have paths of its own")
    unknown = sorted(set(raw) - set(DEFAULT_CONFIG))
    if unknown:
        raise ConfigError("unknown config key(s): %s (known: %s)"
                          % (", ".join(unknown), ", ".join(sorted(DEFAULT_CONFIG))))
    cfg = dict(DEFAULT_CONFIG)
    cfg["statuses"] = []
    for key, v in raw.items():
        if v is None and key not in ("retry_after", "random_delay_ms", "accept_per_second"):
            continue  # null = default
        if key == "default_status":
            if not (_is_int(v) and 100 <= v <= 599):
                raise ConfigError("default_status: expected an HTTP status 100-599, got %r" % (v,))
        elif key == "statuses":
            if not isinstance(v, list):
                raise ConfigError("statuses: expected a list, got %r" % (v,))
            v = [_status_or_mode("statuses[%d]" % i, s) for i, s in enumerate(v)]
        elif key == "fail_status":
            v = _status_or_mode(key, v)
        elif key in ("fail_first_per_event", "stall_first_per_event", "huge_bytes"):
            if not (_is_int(v) and v >= 0):
                raise ConfigError("%s: expected an integer >= 0, got %r" % (key, v))
        elif key in ("delay_ms", "stall_ms"):
            if not (_is_num(v) and v >= 0):
                raise ConfigError("%s: expected a number >= 0, got %r" % (key, v))
        elif key == "random_delay_ms":
            if v is not None:
                if not (isinstance(v, list) and len(v) == 2 and all(_is_num(x) for x in v)
                        and 0 <= v[0] <= v[1]):
                    raise ConfigError("random_delay_ms: expected [min, max] with 0 <= min <= max, got %r" % (v,))
        elif key == "retry_after":
            if v is not None:
                if _is_num(v):
                    v = str(v)
                if not isinstance(v, str) or "\r" in v or "\n" in v:
                    raise ConfigError("retry_after: expected a string or null, got %r" % (v,))
                if v.startswith("http-date"):
                    _retry_after_value(v)  # validates the "http-date+N" form
        elif key == "mode":
            if v not in MODES:
                raise ConfigError("mode: expected one of %s, got %r" % (", ".join(MODES), v))
        elif key == "redirect_to":
            if not isinstance(v, str) or "\r" in v or "\n" in v:
                raise ConfigError("redirect_to: expected a string, got %r" % (v,))
        elif key == "response_body":
            if not isinstance(v, str):
                v = json.dumps(v)
        elif key == "accept_per_second":
            if v is not None and not (_is_int(v) and v > 0):
                raise ConfigError("accept_per_second: expected an integer > 0 or null, got %r" % (v,))
        elif key == "seen_after_ms":
            if not (isinstance(v, list) and all(_is_num(x) and x >= 0 for x in v)):
                raise ConfigError("seen_after_ms: expected a list of numbers >= 0, got %r" % (v,))
        elif key == "paths":
            v = _path_configs(v)
        cfg[key] = v
    return cfg


def _path_configs(v):
    """{"/path": partial config}: requests to that exact path (query ignored)
    are answered by that config instead of the top-level one, with their own
    statuses queue and per-event counters, so one receiver can play several
    webhook endpoints that misbehave differently."""
    if not isinstance(v, dict):
        raise ConfigError("paths: expected an object of path -> config, got %r" % (v,))
    out = {}
    for path, sub in v.items():
        if not path.startswith("/") or path.startswith(CONTROL_PREFIX):
            raise ConfigError("paths: %r is not a webhook path" % (path,))
        try:
            out[path] = validate_config(sub, nested=True)
        except ConfigError as e:
            raise ConfigError("paths[%s]: %s" % (path, e))
    return out


def _retry_after_value(spec):
    """The Retry-After header value for a configured spec ("2", a date, "http-date+N")."""
    if spec.startswith("http-date"):
        rest = spec[len("http-date"):]
        try:
            offset = float(rest) if rest else 0.0
        except ValueError:
            raise ConfigError("retry_after: expected \"http-date+N\", got %r" % (spec,))
        return email.utils.formatdate(time.time() + offset, usegmt=True)
    return spec


class State:
    """Everything shared between handler threads, behind one lock."""

    def __init__(self, record_path=None, resume=False):
        self.lock = threading.Lock()
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
                elif _is_int(rec.get("seq")):
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
            self._write_line({"reset": True, "time": time.time()})

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

            self.seq += 1
            rec = dict({"seq": self.seq}, **rec)
            rec["status"] = status
            rec["mode"] = mode
            rec["delay_ms"] = round(delay, 3)
            rec["nth_for_event"] = nth
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


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-receiver/1"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are dropped after this

    # -- plumbing -----------------------------------------------------------

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY the
        # second waits for the client's delayed ACK (40 ms on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code="-", size="-"):
        pass  # we log one line per request ourselves

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("%s [receiver] %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
            sys.stderr.flush()

    def parse_request(self):
        self.arrival = time.time()
        return super().parse_request()

    def _read_exact(self, n):
        data = self.rfile.read(n)
        if len(data) != n:
            raise BadRequest("connection closed in the middle of the body")
        return data

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise BadRequest("connection closed in a chunked body")
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BadRequest("bad chunk size line %r" % (line[:40],))
                if size == 0:
                    while True:  # trailers
                        line = self.rfile.readline(65537)
                        if line in (b"\r\n", b"\n", b""):
                            break
                    return b"".join(parts)
                total += size
                if total > MAX_BODY_BYTES:
                    raise BadRequest("body too large")
                parts.append(self._read_exact(size))
                self.rfile.readline(65537)  # CRLF after the chunk
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl.strip())
        except ValueError:
            raise BadRequest("bad Content-Length %r" % (cl,))
        if n < 0 or n > MAX_BODY_BYTES:
            raise BadRequest("unacceptable Content-Length %d" % n)
        return self._read_exact(n) if n else b""

    def _send(self, status, body=b"", content_type="text/plain; charset=utf-8",
              extra_headers=(), close=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _send_json(self, status, obj):
        self._send(status, (json.dumps(obj) + "\n").encode("utf-8"),
                   content_type="application/json")

    def _headers_dict(self):
        out = {}
        for k, v in self.headers.items():
            k = k.lower()
            out[k] = out[k] + ", " + v if k in out else v
        return out

    # -- dispatch -----------------------------------------------------------

    def _handle(self):
        self.answered = False
        try:
            try:
                body = self._read_body()
            except BadRequest as e:
                self.log_message("bad request from port %s: %s", self.client_address[1], e)
                self._send(400, (str(e) + "\n").encode("utf-8"), close=True)
                return
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
                self._control(body)
            else:
                self._hook(body)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError) as e:
            self.close_connection = True
            self.log_message("client went away: %s", e.__class__.__name__)
        except Exception:
            self.close_connection = True
            sys.stderr.write(traceback.format_exc())
            try:
                self._send(500, b"internal receiver error\n", close=True)
            except Exception:
                pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    # -- the control API ------------------------------------------------------

    def _control(self, body):
        url = urllib.parse.urlsplit(self.path)
        name = url.path[len(CONTROL_PREFIX):].strip("/") if url.path.startswith(CONTROL_PREFIX) else ""
        query = urllib.parse.parse_qs(url.query)
        state = self.server.state
        method = self.command
        status, obj = 200, None

        if name == "health" and method in ("GET", "HEAD"):
            obj = {"ok": True, "port": self.server.server_address[1], "pid": os.getpid()}
        elif name == "count" and method in ("GET", "HEAD"):
            obj = {"count": state.count()}
        elif name == "requests" and method in ("GET", "HEAD"):
            since = None
            if "since" in query:
                try:
                    since = int(query["since"][-1])
                except ValueError:
                    status, obj = 400, {"error": "since must be an integer"}
            if obj is None:
                obj = {"requests": state.list_requests(since)}
        elif name == "config" and method == "GET":
            obj = {"config": state.current_config()}
        elif name == "config" and method in ("POST", "PUT"):
            try:
                raw = json.loads(body.decode("utf-8")) if body.strip() else {}
                cfg = validate_config(raw)
            except (ValueError, UnicodeDecodeError) as e:
                status, obj = 400, {"error": str(e)}
            else:
                state.set_config(cfg)
                obj = {"ok": True, "config": cfg}
        elif name == "reset" and method == "POST":
            state.reset()
            obj = {"ok": True}
        elif name in ("health", "count", "requests", "config", "reset"):
            status, obj = 405, {"error": "method %s not allowed on %s" % (method, url.path)}
        else:
            status, obj = 404, {"error": "unknown control endpoint %s" % url.path}

        self._send_json(status, obj)
        self.log_message("control %s %s -> %d", method, self.path, status)

    # -- webhook requests -------------------------------------------------------

    def _hook(self, body):
        headers = self._headers_dict()
        # An application that reads its queue late: the request is seen (and
        # its time taken) only after this stall.
        seen_after_ms = self.server.state.seen_after_ms(urllib.parse.urlsplit(self.path).path)
        if seen_after_ms > 0:
            time.sleep(seen_after_ms / 1000.0)
            self.arrival = time.time()
        rec = {
            "time": self.arrival,
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body": body.decode("utf-8", errors="replace"),
            "body_b64": base64.b64encode(body).decode("ascii"),
            "client_port": self.client_address[1],
        }
        plan, rec = self.server.state.decide_and_record(rec)
        self.log_message("#%d %s %s webhook-id=%s -> %s%s%s", rec["seq"], self.command, self.path,
                         headers.get("webhook-id", "-"),
                         plan["status"] if plan["status"] is not None else "no answer",
                         "" if plan["mode"] == "normal" else " (%s)" % plan["mode"],
                         " after %.0f ms" % plan["delay_ms"] if plan["delay_ms"] else "")

        if plan["delay_ms"] > 0:
            time.sleep(plan["delay_ms"] / 1000.0)

        mode = plan["mode"]
        if mode == "normal":
            extra = []
            if plan["retry_after"] is not None:
                extra.append(("Retry-After", _retry_after_value(plan["retry_after"])))
            self._send(plan["status"], plan["body"], extra_headers=extra)
        elif mode == "close":
            self.close_connection = True  # FIN without a single byte of answer
        elif mode == "reset":
            self.close_connection = True  # RST: linger 0 and close right away
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
        elif mode == "close_mid_response":
            self.close_connection = True
            sent = b"partial answer"
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\n\r\n" % (len(sent) + 100000) + sent)
        elif mode == "garbage":
            self.close_connection = True
            self.wfile.write(b"\x16\x03\x01 this is not HTTP \x00\xff\xfe garbage\r\n\r\n")
        elif mode == "redirect":
            self._send(302, b"redirected\n", extra_headers=[("Location", plan["redirect_to"])])
        elif mode == "huge":
            n = plan["huge_bytes"]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command != "HEAD":
                chunk = memoryview(HUGE_CHUNK)
                while n > 0:
                    k = min(n, len(chunk))
                    self.wfile.write(chunk[:k])
                    n -= k


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def server_bind(self):
        # Skip HTTPServer.server_bind's reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name = BIND_HOST
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
            return
        sys.stderr.write("[receiver] error while serving %s:\n" % (client_address,))
        traceback.print_exc()


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Local webhook receiver (127.0.0.1 only).")
    ap.add_argument("--port", type=int, default=0, help="port to bind, 0 = any free port (default)")
    ap.add_argument("--port-file", help="write the bound port here (atomically) once listening")
    ap.add_argument("--record", help="append every recorded request to this JSONL file")
    ap.add_argument("--resume", action="store_true",
                    help="with --record: reload earlier requests from the file (after its last reset)")
    ap.add_argument("--watch-pid", type=int, help="exit when this process is gone")
    ap.add_argument("--quiet", action="store_true", help="no per-request log lines on stderr")
    args = ap.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    state = State(args.record, args.resume)
    try:
        server = Server((BIND_HOST, args.port), Handler)
    except OSError as e:
        sys.stderr.write("webhook_receiver: cannot listen on %s:%d: %s\n" % (BIND_HOST, args.port, e))
        return 1
    server.state = state
    server.quiet = args.quiet
    port = server.server_address[1]

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="serve", daemon=True)
    thread.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    if not args.quiet:
        sys.stderr.write("webhook_receiver: listening on http://%s:%d/ (pid %d)\n"
                         % (BIND_HOST, port, os.getpid()))
        sys.stderr.flush()

    while not stop.wait(0.5):
        if args.watch_pid:
            try:
                os.kill(args.watch_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass

    server.shutdown()
    server.server_close()
    state.close()
    if not args.quiet:
        sys.stderr.write("webhook_receiver: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
