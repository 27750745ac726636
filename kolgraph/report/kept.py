"""A kept plan read back for a report: its JSON, when it was made, its exact overlap."""

from __future__ import annotations

from dataclasses import dataclass

from kolgraph.report.overlap import PlanOverlap, plan_overlap
from kolgraph.schemas.plans import PlanResponse
from kolgraph.store.base import Store

__all__ = ["KeptPlan", "read_kept_plan"]


@dataclass(frozen=True)
class KeptPlan:
    """What a report of one kept plan is made from."""

    doc: PlanResponse
    created: float
    overlap: PlanOverlap


def read_kept_plan(store: Store, plan_id: str) -> KeptPlan:
    """The kept plan ``plan_id``, with the overlap of its accounts over the current edges.

    Raises
    ------
    NotFound
        No plan has that id (``kolgraph plans`` lists them).
    """
    record = store.get_plan(plan_id)
    doc = PlanResponse.model_validate(record.body)
    return KeptPlan(doc, record.created, plan_overlap(store, doc))
