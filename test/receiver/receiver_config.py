"""The receiver's behaviour settings: what a control API client may set, its
defaults, and their validation (a bad config is refused whole, with a message
naming the key, rather than half applied)."""

import email.utils
import json
import time

CONTROL_PREFIX = "/__control/"

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
    "hold_after": None,
    "paths": {},
}



class ConfigError(ValueError):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _status_or_mode(key, v):
    """A status code (100-599) or the name of a mode other than "normal"."""
    if is_int(v) and 100 <= v <= 599:
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
        if v is None and key not in ("retry_after", "random_delay_ms", "accept_per_second",
                                     "hold_after"):
            continue  # null = default
        if key == "default_status":
            if not (is_int(v) and 100 <= v <= 599):
                raise ConfigError("default_status: expected an HTTP status 100-599, got %r" % (v,))
        elif key == "statuses":
            if not isinstance(v, list):
                raise ConfigError("statuses: expected a list, got %r" % (v,))
            v = [_status_or_mode("statuses[%d]" % i, s) for i, s in enumerate(v)]
        elif key == "fail_status":
            v = _status_or_mode(key, v)
        elif key in ("fail_first_per_event", "stall_first_per_event", "huge_bytes"):
            if not (is_int(v) and v >= 0):
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
                    retry_after_value(v)  # validates the "http-date+N" form
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
            if v is not None and not (is_int(v) and v > 0):
                raise ConfigError("accept_per_second: expected an integer > 0 or null, got %r" % (v,))
        elif key == "seen_after_ms":
            if not (isinstance(v, list) and all(_is_num(x) and x >= 0 for x in v)):
                raise ConfigError("seen_after_ms: expected a list of numbers >= 0, got %r" % (v,))
        elif key == "hold_after":
            if nested:
                raise ConfigError("hold_after: holds the whole receiver, not one path")
            if v is not None and not (is_int(v) and v >= 0):
                raise ConfigError("hold_after: expected an integer >= 0 or null, got %r" % (v,))
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


def retry_after_value(spec):
    """The Retry-After header value for a configured spec ("2", a date, "http-date+N")."""
    if spec.startswith("http-date"):
        rest = spec[len("http-date"):]
        try:
            offset = float(rest) if rest else 0.0
        except ValueError:
            raise ConfigError("retry_after: expected \"http-date+N\", got %r" % (spec,))
        return email.utils.formatdate(time.time() + offset, usegmt=True)
    return spec
