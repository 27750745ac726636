"""The request body limit: a pure ASGI middleware answering 413 for a body that is too big.

A declared ``Content-Length`` above the limit is refused before any of the body
is read; a body without one (chunked) is counted as it arrives: past the limit
the app is told the client left, and whatever it answers is replaced by the 413.
Paths under ``/v1/uploads`` have their own, larger limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kolgraph.api.errors import error_response
from kolgraph.errors import PayloadTooLarge

__all__ = ["BodyLimit"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOADS = "/v1/uploads"


def _too_large(limit: int) -> PayloadTooLarge:
    """The error for a body over ``limit`` bytes."""
    return PayloadTooLarge(
        f"the request body is larger than {limit:,} bytes",
        hint="send less at once (split the request), or raise KOLGRAPH_API_MAX_BODY_BYTES",
    )


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (``upload_limit`` under ``/v1/uploads``)."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.upload_limit if path.startswith(UPLOADS) else self.limit
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_413(scope, receive, send, limit)
            return
        seen = 0
        too_big = False

        async def counted() -> Message:
            nonlocal seen, too_big
            if too_big:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # the app sees the client go; its answer is replaced
                    too_big = True
                    return {"type": "http.disconnect"}
            return message

        answered = False

        async def checked_send(message: Message) -> None:
            nonlocal answered
            if not too_big:
                await send(message)
            elif not answered:
                answered = True
                await _send_413(scope, receive, send, limit)

        await self.app(scope, counted, checked_send)


async def _send_413(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    err = _too_large(limit)
    response = error_response(
        413, err.code, err.message, hint=err.hint, field="body", headers={"Connection": "close"}
    )
    await response(scope, receive, send)
