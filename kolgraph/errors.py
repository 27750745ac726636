"""One error hierarchy for kolgraph.

Every error kolgraph raises on purpose derives from :class:`KolgraphError`.
Each carries a message that says *what* went wrong, *where* and *how to fix
it*; the CLI prints it without a traceback and the API maps it to an HTTP
status (see ``http_status``).
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "BadPage",
    "Conflict",
    "ConvergenceError",
    "EngineError",
    "InputError",
    "KolgraphError",
    "NotFound",
    "ParseError",
    "PayloadTooLarge",
    "Protected",
    "QuotaExceeded",
    "RateLimited",
    "StoreError",
    "Unauthorized",
    "Unavailable",
]


class KolgraphError(Exception):
    """Base of every error kolgraph raises on purpose."""

    http_status: int = 500
    #: Stable machine-readable name of the error, the ``code`` of an API error.
    code: str = "internal_error"

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        self.message = message
        self.hint = hint
        #: The request field at fault (``body.budget``, ``query.limit``), when one is.
        self.field = field
        super().__init__(message if hint is None else f"{message}\n  fix: {hint}")


class InputError(KolgraphError):
    """Bad input from a user: a file row, a CLI option or an API field.

    ``source`` and ``line`` locate the problem when it comes from a file.
    """

    http_status = 422
    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        where = ""
        if source is not None:
            where = f"{source}:{line}: " if line is not None else f"{source}: "
        super().__init__(where + message, hint=hint, field=field)


class ParseError(InputError):
    """A page or record from a platform could not be parsed."""

    code = "parse_error"


class BadPage(ParseError):
    """A fetched page is not what the platform should have sent (truncated or
    malformed JSON, a missing field). ``raw`` keeps the body for quarantine."""

    def __init__(self, message: str, *, url: str, raw: str = "", hint: str | None = None) -> None:
        self.url = url
        self.raw = raw
        super().__init__(
            message,
            source=url,
            hint=hint
            or "the page was quarantined and will be fetched again; if it keeps failing "
            "the platform changed its format: fix the parser and run `kolgraph crawl replay`",
        )


class NotFound(KolgraphError):
    """The thing asked for does not exist (an account key, a run id)."""

    http_status = 404
    code = "not_found"


class Conflict(KolgraphError):
    """The request clashes with the store's current state (HTTP 409): e.g. a second
    rank job while one is running, or cancelling a job that has already finished."""

    http_status = 409
    code = "conflict"


class StoreError(KolgraphError):
    """The store failed or is in a state that prevents the operation."""

    http_status = 503
    code = "store_unavailable"


class ConvergenceError(KolgraphError):
    """An iterative algorithm did not converge within its iteration budget."""

    http_status = 500
    code = "not_converged"

    def __init__(self, message: str, *, iterations: int, residual: float) -> None:
        self.iterations = iterations
        self.residual = residual
        super().__init__(
            message,
            hint="raise max_iter, loosen tol, or check the graph for degenerate weights",
        )


class EngineError(KolgraphError):
    """A rank engine outside this process (Spark) failed while computing a stage."""

    http_status = 500
    code = "engine_failed"


class RateLimited(KolgraphError):
    """A platform told us to slow down; retry after ``retry_after`` seconds."""

    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class AccessDenied(KolgraphError):
    """Credentials are missing, expired or not allowed to see a resource."""

    http_status = 403
    code = "forbidden"


class Unavailable(KolgraphError):
    """A remote service kept failing (transport errors, 5xx) after every retry."""

    http_status = 503
    code = "unavailable"


class Protected(AccessDenied):
    """One account or post is private to the credentials in use; the credentials
    themselves are fine, so a crawl skips it and goes on."""

    code = "protected"


class PayloadTooLarge(KolgraphError):
    """A request body is larger than the server accepts (HTTP 413)."""

    http_status = 413
    code = "payload_too_large"


class Unauthorized(KolgraphError):
    """A request to the API has no key, or one the store does not know (HTTP 401).

    A known key without the scope a route needs is :class:`AccessDenied` (403).
    """

    http_status = 401
    code = "unauthorized"


class QuotaExceeded(KolgraphError):
    """A platform quota that waiting does not restore soon (e.g. X's monthly post cap)
    is spent: not retried; a crawl stops with its state saved."""

    http_status = 429
    code = "quota_exceeded"
