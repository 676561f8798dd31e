"""Real local receivers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP server that
answers as the WeCom and DingTalk robot webhooks and WeCom's application API do, checking
DingTalk's signature the way DingTalk documents it and recording every payload."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from partyflow.devservers import free_port  # noqa: F401 (the tests' servers take theirs here)


class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@contextmanager
def smtp_server():
    """An SMTP server on a free local port; yields (port, inbox) where inbox.messages are parsed."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@dataclass
class Webhooks:
    """What the HTTP receiver saw, per path: each request's query and JSON body."""

    dingtalk_secret: str = ""
    fail: set = field(default_factory=set)  # paths answering HTTP 503
    received: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str) -> list[dict]:
        return [body for p, _query, body in self.received if p == path]


def dingtalk_sign_ok(query: dict, secret: str, now_ms: int) -> bool:
    """DingTalk's check: the timestamp within an hour of now and sign = base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")) (the query string is URL-decoded by the parser)."""
    try:
        timestamp = int(query["timestamp"][0])
        sign = query["sign"][0]
    except (KeyError, ValueError):
        return False
    if abs(now_ms - timestamp) > 3600 * 1000:
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(sign, expected)


@contextmanager
def webhook_server(*, dingtalk_secret: str = ""):
    """Paths: /dingtalk (signed with `dingtalk_secret`), /wecom (robot), /cgi-bin/gettoken and
    /cgi-bin/message/send (WeCom application). Answers {"errcode": 0} when the request is right,
    DingTalk's errcode 310000 on a bad signature, HTTP 503 on a path in `hooks.fail`."""
    hooks = Webhooks(dingtalk_secret=dingtalk_secret)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _route(self, body: dict | None) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path in hooks.fail:
                hooks.refused.append((url.path, query, body))
                self._answer(503, {"errcode": -1, "errmsg": "service unavailable"})
                return
            if url.path == "/cgi-bin/gettoken":
                ok = query.get("corpsecret") == ["app-secret"]
                self._answer(
                    200,
                    {"errcode": 0, "access_token": "T0KEN", "expires_in": 7200}
                    if ok
                    else {"errcode": 40001, "errmsg": "invalid credential"},
                )
                return
            if url.path == "/dingtalk" and not dingtalk_sign_ok(
                query, hooks.dingtalk_secret, int(time.time() * 1000)
            ):
                hooks.refused.append((url.path, query, body))
                self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
                return
            if url.path == "/cgi-bin/message/send" and query.get("access_token") != ["T0KEN"]:
                self._answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
                return
            hooks.received.append((url.path, query, body))
            self._answer(200, {"errcode": 0, "errmsg": "ok"})

        def do_GET(self):  # noqa: N802 - http.server's hook name
            self._route(None)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            self._route(json.loads(self.rfile.read(length).decode("utf-8")))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()
