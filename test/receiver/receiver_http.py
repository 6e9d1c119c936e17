"""The receiver's HTTP/1.1 plumbing: reading request bodies (with
Content-Length or chunked), writing answers, keep-alive, and sending each
request either to the control API or to the webhook answers. Clients that
go away mid-request are logged, never fatal."""

import json
import socket
import socketserver
import sys
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from control_api import answer_control
from receiver_config import CONTROL_PREFIX
from webhook_answers import answer_webhook

BIND_HOST = "127.0.0.1"
MAX_BODY_BYTES = 256 * 1024 * 1024  # refuse request bodies larger than this


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

    def send_answer(self, status, body=b"", content_type="text/plain; charset=utf-8",
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

    def send_json(self, status, obj):
        self.send_answer(status, (json.dumps(obj) + "\n").encode("utf-8"),
                   content_type="application/json")

    def request_headers(self):
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
                self.send_answer(400, (str(e) + "\n").encode("utf-8"), close=True)
                return
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
                answer_control(self, body)
            else:
                answer_webhook(self, body)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError) as e:
            self.close_connection = True
            self.log_message("client went away: %s", e.__class__.__name__)
        except Exception:
            self.close_connection = True
            sys.stderr.write(traceback.format_exc())
            try:
                self.send_answer(500, b"internal receiver error\n", close=True)
            except Exception:
                pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


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

