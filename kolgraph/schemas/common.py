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
    """A list: the items and how many there are.

    Subclass it per item type (``class AccountsPage(Page[AccountOut])``) so the
    page keeps its own name in the OpenAPI document; a subclass may add fields
    (``limit``, ``offset``) after ``data`` and ``count``.
    """

    data: list[T]
    count: int


class ErrorDetail(BaseModel):
    """What went wrong, and how to fix it."""

    error: str = Field(description="Name of the error class (InputError, NotFound, ...).")
    message: str
    hint: str | None


class ErrorOut(BaseModel):
    """The body of every error response but request validation (422 with a list)."""

    detail: ErrorDetail


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
