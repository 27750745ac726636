"""One delivery attempt of an alert: signing, the webhook POST, the alert command, the backoff.

Everything here is one attempt and knows nothing of the store; the
:class:`~kolgraph.listen.alerts.AlertDispatcher` decides what an
:class:`Attempt` means for the delivery log.

Signatures
----------
A webhook carries ``X-Kolgraph-Signature: t=<unix>,v1=<hex>`` where

.. math::

    v_1 = \\mathrm{HMAC}_{\\mathrm{SHA256}}(\\mathit{secret},\\ t \\,\\|\\, \\texttt{"."}
    \\,\\|\\, \\mathit{body})

over the exact bytes of the body, so a receiver can refuse a changed body, a
wrong secret and, by comparing :math:`t` with its clock, a replay
(:func:`verify_signature`).

What is retried
---------------
Transport errors (refused, reset, timeouts), HTTP 408, 429 and 5xx; a command
that exits non-zero or times out. Other answers (2xx excepted) fail at once:
retrying a 400 or a 404 repeats the same mistake.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import shlex
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from kolgraph.crawl.http import RETRY_STATUSES, USER_AGENT, parse_retry_after

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "Attempt",
    "post_webhook",
    "retry_delay",
    "run_command",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Kolgraph-Signature"
EVENT_ID_HEADER = "X-Kolgraph-Event-Id"
#: The longest ``Retry-After`` honoured (a receiver asking for days is asking for never).
MAX_RETRY_AFTER = 3600.0
#: How much of a failing command's stderr (or a response body) the log keeps.
_TAIL = 300


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one attempt went.

    ``status`` is the HTTP status or the command's exit code (``None`` when there
    was none: a transport error, a timeout); ``retry`` whether a failure is
    transient; ``retry_after`` what the receiver asked to wait, in seconds.
    """

    ok: bool
    retry: bool = False
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The signature header value ``t=<timestamp>,v1=<hex HMAC-SHA256>`` of ``body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    *,
    tolerance_seconds: float = 300,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance_seconds`` of ``now``.

    For receivers (and tests). ``body`` must be the raw bytes received (a
    ``str`` is UTF-8 encoded). Any ``v1`` entry may match (several appear while
    a secret is rotated); the comparison is constant-time. A header that does
    not parse, or a timestamp further than the tolerance from ``now`` (default:
    the current time) in either direction, is refused.

    Examples
    --------
    >>> h = sign("s3cret", b'{"id":"al_1"}', timestamp=1700000000)
    >>> verify_signature("s3cret", h, b'{"id":"al_1"}', now=1700000100)
    True
    >>> verify_signature("s3cret", h, b'{"id":"al_2"}', now=1700000100)
    False
    >>> verify_signature("s3cret", h, b'{"id":"al_1"}', now=1700001000)
    False
    """
    raw = body.encode() if isinstance(body, str) else body
    stamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            macs.append(value)
    if stamp is None or not macs:
        return False
    current = time.time() if now is None else now
    if not abs(current - stamp) <= tolerance_seconds:
        return False
    want = sign(secret, raw, timestamp=stamp).rsplit("v1=", 1)[1]
    matches = [hmac.compare_digest(want, mac) for mac in macs]  # each compared in full
    return any(matches)


def retry_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    Exponential backoff with full jitter,

    .. math::

        w = U\\bigl(0,\\ \\min(c,\\ b\\,2^{a-1})\\bigr),

    and never less than a ``Retry-After`` the receiver sent (at most
    :data:`MAX_RETRY_AFTER`).

    References
    ----------
    Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    rng = rng or random.Random()
    # the exponent is bounded: 2.0 ** 1024 overflows a float
    ceiling = min(cap, base * 2.0 ** min(max(attempt, 1) - 1, 64))
    wait = rng.uniform(0.0, ceiling)
    if retry_after is not None and math.isfinite(retry_after):
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return max(0.0, wait)


def post_webhook(
    client: httpx.Client, url: str, body: bytes, headers: Mapping[str, str]
) -> Attempt:
    """POST ``body`` to ``url`` once; 2xx is delivered (redirects are not followed).

    Of a response's body only the start of an error's is read (for the log).
    """
    try:
        with client.stream(
            "POST", url, content=body, headers={"User-Agent": USER_AGENT, **headers}
        ) as response:
            status = response.status_code
            if 200 <= status < 300:
                return Attempt(ok=True, status=status)
            head = b""
            for chunk in response.iter_bytes():
                head += chunk
                if len(head) >= _TAIL:
                    break
            retry_after = parse_retry_after(response.headers)
    except httpx.TransportError as exc:
        return Attempt(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}"[:_TAIL])
    text = head[:_TAIL].decode(errors="replace").strip().replace("\n", " ")
    error = f"HTTP {status}" + (f": {text}" if text else "")
    if status in RETRY_STATUSES:
        wait = retry_after if status in (429, 503) else None
        return Attempt(ok=False, retry=True, status=status, error=error, retry_after=wait)
    return Attempt(ok=False, status=status, error=error)


def run_command(command: str, body: bytes, env: Mapping[str, str], *, timeout: float) -> Attempt:
    """Run ``command`` (split with :func:`shlex.split`, no shell) with ``body`` on stdin.

    Exit code 0 is delivered; another exit code or a timeout is retried; a
    program that cannot be started fails at once.
    """
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return Attempt(ok=False, error=f"cannot parse the alert command {command!r}: {exc}")
    if not argv:
        return Attempt(ok=False, error="the alert command is empty")
    try:
        done = subprocess.run(
            argv,
            input=body,
            env=dict(env),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Attempt(ok=False, retry=True, error=f"the alert command ran over {timeout:g} s")
    except OSError as exc:
        return Attempt(ok=False, error=f"cannot run the alert command {argv[0]!r}: {exc}")
    if done.returncode == 0:
        return Attempt(ok=True, status=0)
    tail = done.stderr.decode(errors="replace").strip().replace("\n", " ")[-_TAIL:]
    error = f"the alert command exited with {done.returncode}" + (f": {tail}" if tail else "")
    return Attempt(ok=False, retry=True, status=done.returncode, error=error)
