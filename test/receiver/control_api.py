"""The control API under /__control/: tests read what was received (health,
count, requests) and set how the receiver answers (config, reset). Every
answer is JSON; a bad config is a 400 that leaves the current one in place."""

import json
import os
import urllib.parse

from receiver_config import CONTROL_PREFIX, validate_config


def answer_control(handler, body):
    """Answers one control request; every answer is logged."""
    url = urllib.parse.urlsplit(handler.path)
    name = url.path[len(CONTROL_PREFIX):].strip("/") if url.path.startswith(CONTROL_PREFIX) else ""
    query = urllib.parse.parse_qs(url.query)
    state = handler.server.state
    method = handler.command
    status, obj = 200, None

    if name == "health" and method in ("GET", "HEAD"):
        obj = {"ok": True, "port": handler.server.server_address[1], "pid": os.getpid()}
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

    handler.send_json(status, obj)
    handler.log_message("control %s %s -> %d", method, handler.path, status)

