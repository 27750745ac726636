"""Plan v1: greedy budgeted maximum coverage over account audiences.

Given a budget, a per-kind mix (min/max KOL, media, own and partner accounts) and
optionally a target audience (communities), choose accounts one at a time by
the best *marginal unique audience per unit cost*: how many target people the
account reaches that the accounts already chosen do not. Because coverage is
submodular, a lazy (CELF) greedy evaluates few candidates per step. Accounts
whose audience the rank run flagged are left out unless asked for
(``skip_flagged=False``).

Each chosen account gets a phase of the topic life cycle from when it tends to act
(:mod:`kolgraph.plan.phases`) and short warnings (:mod:`kolgraph.plan.flags`).

The greedy is in :mod:`kolgraph.plan.greedy` (every candidate's gain kept exact as
people are covered: :mod:`kolgraph.plan.gains`), the plan it makes in
:mod:`kolgraph.plan.finish`. What plans derive from a run is prepared once
(:mod:`kolgraph.plan.prepared`); a serving process keeps it per run
(:mod:`kolgraph.plan.cache`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import pandas as pd
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.plan.finish import community_coverage, finish_plan, order_of, plan_value
from kolgraph.plan.greedy import RULE_NAMES, select, setup_plan
from kolgraph.plan.params import (
    PLAN_OBJECTIVES,
    KindRange,
    Plan,
    PlannedAccount,
    PlanParams,
    new_plan_id,
)
from kolgraph.plan.prepared import Prepared, prepare
from kolgraph.plan.schedule import store_schedule
from kolgraph.rank.graph import follower_matrix
from kolgraph.settings import Settings
from kolgraph.store.base import Store

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner

__all__ = [
    "PLAN_OBJECTIVES",
    "KindRange",
    "Plan",
    "PlanInputs",
    "PlanParams",
    "PlannedAccount",
    "RunInputs",
    "best_plan",
    "community_coverage",
    "make_plan",
    "new_plan_id",
    "no_run_error",
    "plan_arrays",
    "plan_inputs",
    "read_run_inputs",
]


@dataclass(frozen=True)
class PlanInputs:
    """What a plan is made from, read from the store once (several plans can share it).

    ``prepared`` holds the arrays every plan derives from the accounts and scores
    (:func:`~kolgraph.plan.prepared.prepare`); a serving process keeps them with the
    run (:mod:`kolgraph.plan.cache`). Without them each plan derives its own.
    """

    run_id: str
    audience: sp.csr_matrix
    accounts: pd.DataFrame
    scores: pd.DataFrame
    learned: LearnedPlanner | None
    #: why the forecast is missing, when it is (kept as the plan's first notes)
    notes: tuple[str, ...] = ()
    prepared: Prepared | None = None


@dataclass(frozen=True)
class RunInputs:
    """Everything plans read from one run of a store, read once for any parameters.

    ``learned_error`` is why the run's engagement model could not be read (a model
    stored by another version of kolgraph), or None; :meth:`for_params` decides per
    request what that means, exactly as :func:`plan_inputs` does.
    """

    run_id: str
    audience: sp.csr_matrix
    accounts: pd.DataFrame
    scores: pd.DataFrame
    learned: LearnedPlanner | None
    learned_error: InputError | None
    prepared: Prepared

    def for_params(self, params: PlanParams) -> tuple[PlanInputs, PlanParams]:
        """The inputs and parameters to plan ``params`` with (see :func:`plan_inputs`)."""
        params.check()
        learned = self.learned
        if self.learned_error is not None:
            exc = self.learned_error
            if params.objective not in ("auto", "reach", "frequency"):
                raise InputError(exc.message, hint=exc.hint)
            params = replace(
                params, objective="reach" if params.objective == "auto" else params.objective
            )
            stale = [f"no forecast and objective {params.objective}: {exc.message} ({exc.hint})"]
        else:
            stale = []
        if learned is None and params.objective == "engagement":
            raise InputError(
                "the current rank run has no engagement model (the store needs at least 50 "
                "timestamped cascades)",
                hint="import cascades and run `kolgraph rank`, or use --objective reach",
            )
        inputs = PlanInputs(
            run_id=self.run_id,
            audience=self.audience,
            accounts=self.accounts,
            scores=self.scores,
            learned=learned,
            notes=tuple(stale),
            prepared=self.prepared,
        )
        return inputs, params


def read_run_inputs(
    store: Store,
    run_id: str,
    *,
    accounts: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
) -> RunInputs:
    """Read what every plan of run ``run_id`` needs: graph, accounts, scores, model.

    The audience matrix, the accounts and the current scores are read as they are
    now (the caller checks that ``run_id`` is still the current run; ``accounts``
    and ``scores`` when already read), and the arrays plans derive from them are
    prepared (:func:`~kolgraph.plan.prepared.prepare`).
    """
    from kolgraph.plan.learned import load_learned

    learned: LearnedPlanner | None
    try:  # the model also gives every objective's plan its forecast
        learned, problem = load_learned(store, run_id), None
    except InputError as exc:
        learned, problem = None, exc
    audience = follower_matrix(store.graph_arrays())
    accounts = store.accounts_frame() if accounts is None else accounts
    scores = store.current_scores() if scores is None else scores
    return RunInputs(
        run_id=run_id,
        audience=audience,
        accounts=accounts,
        scores=scores,
        learned=learned,
        learned_error=problem,
        prepared=prepare(audience, accounts, scores),
    )


def plan_inputs(store: Store, params: PlanParams) -> tuple[PlanInputs, PlanParams]:
    """Read the current run's graph, scores and engagement model for ``params``.

    Returns the inputs and the parameters to plan with: without an engagement model
    ``auto`` becomes ``reach`` (said in the notes). A serving process reads them
    once per run instead (:class:`~kolgraph.plan.cache.PlanCache`).
    """
    run = store.current_run()
    if run is None:
        raise no_run_error()
    params.check()
    return read_run_inputs(store, run.id).for_params(params)


def no_run_error() -> InputError:
    """The error of a plan asked for before any rank run was published."""
    return InputError(
        "there is no rank run to plan from", hint="run the rank job first (`kolgraph rank`)"
    )


def best_plan(inputs: PlanInputs, params: PlanParams, *, settings: Settings | None = None) -> Plan:
    """The better of the two greedy rules' plans (:func:`plan_arrays`), with a note why.

    Both rules start from one setup (candidates, target, costs); only the better
    plan is explained in full (forecast, overlaps, warnings). The result is the plan
    :func:`plan_arrays` makes with the winning rule.
    """
    setup = setup_plan(
        inputs.audience,
        inputs.accounts,
        inputs.scores,
        params,
        settings=settings,
        learned=inputs.learned,
        prepared=inputs.prepared,
    )
    picks = [select(setup, rule) for rule in ("ratio", "gain")]
    orders = [order_of(setup, pick) for pick in picks]
    values = [plan_value(pick, order) for pick, order in zip(picks, orders, strict=True)]
    b = max((0, 1), key=lambda k: (values[k], k == 0))
    best = finish_plan(setup, picks[b], orders[b], run_id=inputs.run_id)
    other = 1 - b
    plan = replace(best, notes=[*inputs.notes, *best.notes])
    plan.notes.append(
        f"accounts chosen by {plan.rule}: it gave {plan.value:,.0f} against "
        f"{values[other]:,.0f} by {RULE_NAMES[picks[other].rule]} "
        f"({'the budget binds' if b == 0 else 'the counts bind'})"
    )
    return plan


def make_plan(
    store: Store,
    params: PlanParams,
    *,
    settings: Settings | None = None,
    inputs: RunInputs | None = None,
) -> Plan:
    """Plan a campaign from the store's current rank run. See :func:`plan_arrays`.

    With ``inputs`` (the current run's, read once: :class:`~kolgraph.plan.cache.PlanCache`)
    nothing is read from the store but the phase calendar, itself read once per run.
    """
    if inputs is None:
        plan_in, params = plan_inputs(store, params)
    else:
        plan_in, params = inputs.for_params(params)
    plan = best_plan(plan_in, params, settings=settings)
    sched = store_schedule(store, plan_in.run_id, plan_in.learned)  # kolgraph.plan.schedule
    return sched.apply(replace(plan, id=new_plan_id()))


def plan_arrays(
    audience: sp.csr_matrix,
    accounts: pd.DataFrame,
    scores: pd.DataFrame,
    params: PlanParams,
    *,
    settings: Settings | None = None,
    run_id: str | None = None,
    learned: LearnedPlanner | None = None,
    rule: Literal["ratio", "gain"] = "ratio",
    prepared: Prepared | None = None,
) -> Plan:
    r"""Choose accounts under a budget by marginal gain of the objective per cost.

    Parameters
    ----------
    audience
        ``n × n`` binary matrix, row ``v`` = the audience of account ``v``.
    accounts
        Accounts in dense order (``key, platform, name, kind, followers, cost``).
    scores
        Current run's scores in dense order (``pagerank, community``).
    params
        Budget, per-kind mix, target communities, includes and excludes.
    settings
        Cost model for accounts without a price (``cost_per_1k_audience``,
        ``min_cost``) and ``auto_kol``.
    rule
        ``"ratio"``: rank by gain per cost (right when the budget binds);
        ``"gain"``: by gain alone (right when the account counts bind, not the money).
        :func:`make_plan` runs both and keeps the better plan.
    learned
        The run's engagement model (:mod:`kolgraph.plan.learned`): needed for the
        ``engagement`` objective, chooses the objective under ``auto``, gives
        the plan its forecast and times the accounts for their phases.
    prepared
        The arrays plans derive from ``accounts``, ``scores`` and ``audience``
        (:func:`~kolgraph.plan.prepared.prepare`), when they are kept; derived here
        otherwise.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        If the mix's minimums cannot be met within the budget, or an included
        account is unknown or too expensive.

    Notes
    -----
    With target set :math:`T` and covered set :math:`C` the next account is

    .. math:: \arg\max_v \frac{|(N_v \cap T) \setminus C|}{\mathrm{cost}_v}

    among accounts whose kind still has room and whose cost fits the rest of
    the budget. Minimums are filled first, kind by kind, with the same rule.
    Coverage is monotone submodular, so stale gains are upper bounds and the
    lazy evaluation returns the same choice as a full scan. Every candidate's
    gain is kept exact as people are covered (:mod:`kolgraph.plan.gains`), so the
    audience matrix is never copied. Own and partner
    accounts without a price cost 0 (the brand posts for free; a partner
    carries the message at its negotiated price, its ``cost``, or for nothing).

    With another objective (:mod:`kolgraph.plan.objective`) the numerator is that
    objective's marginal gain: expected engaged users, or people newly reached
    ``min_frequency`` times.

    Flagged accounts are no candidates while ``params.skip_flagged`` (the
    default). Phases follow the chosen accounts' measured timing (``learned``)
    or, without a model, kind and PageRank; rows carry warnings. Both rules are
    in the module notes. ``unique_reach`` is an exact count of the (target)
    audience: ``POST /v1/reach`` counts the same number for the same accounts
    without target communities, or says it estimated and why
    (:func:`kolgraph.plan.reach.estimate_reach`).
    """
    setup = setup_plan(
        audience,
        accounts,
        scores,
        params,
        settings=settings,
        learned=learned,
        prepared=prepared,
    )
    pick = select(setup, rule)
    return finish_plan(setup, pick, order_of(setup, pick), run_id=run_id)
