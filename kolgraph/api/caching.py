"""HTTP caching of the API: the serving process's per-run cache, and ETags on reads.

* :func:`run_cache` (a dependency) gives the routes the process's
  :class:`~kolgraph.plan.cache.RunCache`, kept on ``app.state``: plan inputs and
  the order of ranked lists, loaded once per run.
* :func:`etag_json` answers a read with an ``ETag``: the run it was read from and a
  digest of the JSON it sends, ``"<run id>.<digest>"``. A client that sends it
  back in ``If-None-Match`` gets ``304 Not Modified`` and no body while the answer
  is the same. The digest is of what is sent, not of the run id alone: an account's
  name, kind or price can change between runs (an import), and its ETag changes
  with it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from kolgraph.plan.cache import RunCache, serving_cache

__all__ = [
    "NOT_MODIFIED",
    "IfNoneMatch",
    "RunCacheDep",
    "etag_json",
    "etag_matches",
    "json_response",
    "run_cache",
]


def run_cache(request: Request) -> RunCache:
    """The process's per-run cache (made on first use, kept on ``app.state``)."""
    return serving_cache(request.app.state)


RunCacheDep = Annotated[RunCache, Depends(run_cache)]

IfNoneMatch = Annotated[
    str | None,
    Header(
        max_length=2_000,
        description="ETags of a copy the client holds: an unchanged answer is 304 with no body.",
    ),
]

#: The ``responses`` entry of a read that answers ``If-None-Match``.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag sent in If-None-Match is still current."}
}

_SAFE = re.compile(r"[^A-Za-z0-9._:-]")


def _tag(run_id: str | None, body: bytes) -> str:
    run = _SAFE.sub("_", run_id or "no-run")[:80]
    return f'"{run}.{hashlib.sha256(body).hexdigest()[:24]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak or strong, or ``*``).

    Examples
    --------
    >>> etag_matches('W/"r1.ab", "r2.cd"', '"r2.cd"'), etag_matches('"x"', '"y"')
    (True, False)
    """
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return any(t == "*" or t.removeprefix("W/") == etag for t in tags)


def json_response(body: BaseModel) -> Response:
    """``body`` as JSON, rendered by pydantic in one pass (a route's ``response_model``
    then only documents it: FastAPI would validate and render it again)."""
    return Response(content=body.model_dump_json(by_alias=True), media_type="application/json")


def etag_json(body: BaseModel, *, run_id: str | None, if_none_match: str | None) -> Response:
    """``body`` as JSON with its ``ETag`` (module notes), or 304 when the client has it."""
    response = json_response(body)
    etag = _tag(run_id, bytes(response.body))
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return response
