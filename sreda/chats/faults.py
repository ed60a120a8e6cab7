"""The failure-injection double — in memory, used ONLY for fault tests (issue 6: Synapse down or answering
429/500 mid-sync). Everything else in the chats tests talks to a real Synapse.

Two doubles, both wrapping the real thing and failing only the calls a test chooses:
- `FaultyConnector(inner)` wraps any Connector (usually a MatrixConnector on the test Synapse): the chosen
  method calls raise the same MessengerError the Matrix connector raises for a timeout, a 429 with
  retry_after, a 500, or the server being down; every other call goes through. `calls` records each call
  (method, args) that reached the wrapper, so a test can also assert "the second sync made no call".
- `FaultyTransport()` is an httpx transport for MatrixConnector(transport=…): chosen requests (by path
  fragment) get a timeout / 429 / 500 instead of reaching Synapse — to test the connector's own mapping.

    faulty = FaultyConnector(connector).fail("add_member", "429", retry_after=2, after=3)
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from .matrix import error_for_response, error_for_transport

KINDS = ("timeout", "down", "429", "500")
METHODS = ("find_room", "create_room", "set_title", "set_read_only", "joined_members", "add_member",
           "remove_member", "archive_room", "unarchive_room", "room_title", "levels_match", "send_notice",
           "user_exists")


@dataclass
class Fault:
    kind: str  # timeout | down | 429 | 500
    times: int = 1  # how many calls fail (then the fault is spent); -1 = until cleared
    after: int = 0  # how many matching calls succeed first ("mid-sync")
    retry_after: float | None = None

    def error(self):
        if self.kind == "timeout":
            return error_for_transport(httpx.ReadTimeout("injected timeout"))
        if self.kind == "down":
            return error_for_transport(httpx.ConnectError("injected: connection refused"))
        if self.kind == "429":
            body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests"}
            if self.retry_after is not None:
                body["retry_after_ms"] = int(self.retry_after * 1000)
            return error_for_response(429, body)
        return error_for_response(500, {"errcode": "M_UNKNOWN", "error": "Internal server error"})

    def fires(self) -> bool:
        """Count one matching call; True when this one must fail."""
        if self.after > 0:
            self.after -= 1
            return False
        if self.times == 0:
            return False
        if self.times > 0:
            self.times -= 1
        return True


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")


class FaultyConnector:
    """A Connector that fails the chosen calls; all other calls go to `inner`."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[tuple[str, tuple]] = []
        self._faults: dict[str, list[Fault]] = {}

    def fail(self, method: str = "*", kind: str = "500", *, times: int = 1, after: int = 0,
             retry_after: float | None = None) -> FaultyConnector:
        """Make `method` («*» = any) fail `times` times (-1: until clear()) after `after` calls succeeded."""
        _check(kind)
        if method != "*" and method not in METHODS:
            raise ValueError(f"unknown connector method {method!r}")
        self._faults.setdefault(method, []).append(Fault(kind, times, after, retry_after))
        return self

    def go_down(self) -> FaultyConnector:
        """The homeserver is unreachable for every call until recover()."""
        return self.fail("*", "down", times=-1)

    def clear(self) -> None:
        self._faults.clear()

    recover = clear

    def _maybe_fail(self, method: str) -> None:
        for fault in self._faults.get(method, []) + self._faults.get("*", []):
            if fault.fires():
                raise fault.error()

    def calls_to(self, method: str) -> list[tuple]:
        return [args for name, args in self.calls if name == method]

    def __getattr__(self, name: str):
        target = getattr(self.inner, name)
        if name not in METHODS:
            return target

        def call(*args, **kwargs):
            self.calls.append((name, args + tuple(sorted(kwargs.items()))))
            self._maybe_fail(name)
            return target(*args, **kwargs)

        return call


class FaultyTransport(httpx.BaseTransport):
    """An httpx transport passing requests to the real server except those matching a chosen fault."""

    def __init__(self, inner: httpx.BaseTransport | None = None):
        self.inner = inner or httpx.HTTPTransport()
        self._faults: list[tuple[str, Fault]] = []
        self.requests: list[str] = []

    def fail(self, path_contains: str, kind: str = "500", *, times: int = 1, after: int = 0,
             retry_after: float | None = None) -> FaultyTransport:
        _check(kind)
        self._faults.append((path_contains, Fault(kind, times, after, retry_after)))
        return self

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        self.requests.append(f"{request.method} {path}")
        for fragment, fault in self._faults:
            if fragment in path and fault.fires():
                if fault.kind == "timeout":
                    raise httpx.ReadTimeout("injected timeout", request=request)
                if fault.kind == "down":
                    raise httpx.ConnectError("injected: connection refused", request=request)
                body = {"errcode": "M_UNKNOWN", "error": "Internal server error"}
                if fault.kind == "429":
                    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests"}
                    if fault.retry_after is not None:
                        body["retry_after_ms"] = int(fault.retry_after * 1000)
                return httpx.Response(int(fault.kind), content=json.dumps(body).encode(), request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
