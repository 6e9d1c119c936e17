"""Answers to webhook requests, the way the receiver's state decided: a
status (with Retry-After), or a broken answer (a closed or reset connection,
half an answer, bytes that are not HTTP, a redirect, a huge body) that a
real receiver or the network between can give."""

import base64
import socket
import time
import urllib.parse

from receiver_config import retry_after_value

HUGE_CHUNK = b"x" * 65536


def answer_webhook(handler, body):
    """Records the request, waits as configured, then answers it."""
    headers = handler.request_headers()
    # An application that reads its queue late: the request is seen (and its
    # time taken) only after this stall.
    seen_after_ms = handler.server.state.seen_after_ms(urllib.parse.urlsplit(handler.path).path)
    if seen_after_ms > 0:
        time.sleep(seen_after_ms / 1000.0)
        handler.arrival = time.time()
    rec = {
        "time": handler.arrival,
        "method": handler.command,
        "path": handler.path,
        "headers": headers,
        "body": body.decode("utf-8", errors="replace"),
        "body_b64": base64.b64encode(body).decode("ascii"),
        "client_port": handler.client_address[1],
    }
    plan, rec = handler.server.state.decide_and_record(rec)
    handler.log_message("#%d %s %s webhook-id=%s -> %s%s%s", rec["seq"], handler.command, handler.path,
                     headers.get("webhook-id", "-"),
                     plan["status"] if plan["status"] is not None else "no answer",
                     "" if plan["mode"] == "normal" else " (%s)" % plan["mode"],
                     " after %.0f ms" % plan["delay_ms"] if plan["delay_ms"] else "")

    if plan["held_until_generation"] is not None:
        handler.server.state.hold(plan["held_until_generation"])
    if plan["delay_ms"] > 0:
        time.sleep(plan["delay_ms"] / 1000.0)

    mode = plan["mode"]
    if mode == "normal":
        extra = []
        if plan["retry_after"] is not None:
            extra.append(("Retry-After", retry_after_value(plan["retry_after"])))
        handler.send_answer(plan["status"], plan["body"], extra_headers=extra)
    elif mode == "close":
        handler.close_connection = True  # FIN without a single byte of answer
    elif mode == "reset":
        handler.close_connection = True  # RST: linger 0 and close right away
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   b"\x01\x00\x00\x00\x00\x00\x00\x00")
        handler.connection.close()
    elif mode == "close_mid_response":
        handler.close_connection = True
        sent = b"partial answer"
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: %d\r\n\r\n" % (len(sent) + 100000) + sent)
    elif mode == "garbage":
        handler.close_connection = True
        handler.wfile.write(b"\x16\x03\x01 this is not HTTP \x00\xff\xfe garbage\r\n\r\n")
    elif mode == "redirect":
        handler.send_answer(302, b"redirected\n", extra_headers=[("Location", plan["redirect_to"])])
    elif mode == "huge":
        n = plan["huge_bytes"]
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(n))
        handler.end_headers()
        if handler.command != "HEAD":
            chunk = memoryview(HUGE_CHUNK)
            while n > 0:
                k = min(n, len(chunk))
                handler.wfile.write(chunk[:k])
                n -= k
