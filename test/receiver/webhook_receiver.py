#!/usr/bin/env python3
"""Local webhook receiver for the booking_events tests, demo and fault injection.

Listens on 127.0.0.1 only, records every request that is not under /__control/,
and answers the way the control API tells it to (statuses, per-event failures,
Retry-After, stalls, broken connections, redirects, huge bodies).

Python 3 standard library only.  See README.md next to this file.  This file
starts and stops the server; receiver_config.py says what may be configured,
receiver_state.py records requests and decides each answer, receiver_http.py
is the HTTP plumbing, control_api.py the /__control/ API and
webhook_answers.py the answers themselves.
"""

import argparse
import os
import signal
import sys
import threading

from receiver_http import BIND_HOST, Handler, Server
from receiver_state import State


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
