"""Shapes shared by every list and error, and the service's health."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

__all__ = ["AccountKey", "ErrorDetail", "ErrorOut", "Health", "Live", "Page"]

#: An account key in a request: ``platform:account_id``, never empty, never huge.
AccountKey = Annotated[
    str, Field(min_length=1, max_length=300, description="Account key 'platform:account_id'.")
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A list: the items, how many there are in all, and where the next page is.

    Subclass it per item type (``class AccountsPage(Page[AccountOut])``) so the
    page keeps its own name in the OpenAPI document; a subclass may add fields
    (``limit``, ``offset``) after ``data``, ``count`` and ``next``.
    """

    data: list[T]
    count: int = Field(description="How many items match in all (over every page).")
    next: str | None = Field(
        default=None,
        description="Path and query of the next page, or null on the last page "
        "(and on lists that are not paged).",
    )


class ErrorDetail(BaseModel):
    """What went wrong, where, and how to fix it."""

    code: str = Field(
        description="Stable error code: invalid_input, validation_error, not_found, "
        "unauthorized, forbidden, rate_limited, payload_too_large, "
        "unsupported_media_type, malformed_json, store_unavailable, internal_error, ..."
    )
    message: str = Field(description="What went wrong, in one readable sentence.")
    hint: str | None = Field(default=None, description="How to fix it, when known.")
    field: str | None = Field(
        default=None,
        description="The request field at fault, as 'body.budget' or 'query.limit', if one is.",
    )


class ErrorOut(BaseModel):
    """The body of every error response, validation included."""

    error: ErrorDetail


class Live(BaseModel):
    """``GET /livez``: the process answers."""

    status: Literal["ok"] = "ok"
    version: str


class Health(BaseModel):
    """``GET /healthz``: the store is reachable; what it holds."""

    status: Literal["ok"] = "ok"
    store: str = Field(description="Store backend (sqlite or neo4j).")
    accounts: int
    follows: int
    reposts: int
    current_run: str | None = Field(description="Id of the published rank run, if any.")
    version: str
