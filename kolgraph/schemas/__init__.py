"""Every JSON document kolgraph hands out, as pydantic models: one shape per object.

The HTTP API (:mod:`kolgraph.api`) and every ``--format json`` of the command
line serialise through these models (``Model.model_dump(mode="json")``), so a
plan, a crawl or a page of accounts has the same fields whichever way it is
asked for. Lists are pages, ``{"data": [...], "count": N}``
(:class:`~kolgraph.schemas.common.Page`).

==========================  ==========================================================
module                      objects
==========================  ==========================================================
:mod:`.common`              pages, errors, service health
:mod:`.accounts`            ranked accounts
:mod:`.communities`         communities of a rank run
:mod:`.runs`                rank runs compared (``kolgraph runs diff``)
:mod:`.plans`               plan requests, plans, kept plans
:mod:`.evaluation`          a campaign that ran, against its plan
:mod:`.backtest`            objectives against baselines on the store's own history
:mod:`.reach`               unique reach and overlap of a set of accounts
:mod:`.audience`            overlap of a set, affinity to a brand, lookalikes
:mod:`.crawls`              crawls, crawl and replay reports
:mod:`.jobs`                job requests, job records and results, uploads
:mod:`.exports`             a Parquet export of the graph (its manifest)
==========================  ==========================================================

The models convert *from* library objects (``from_plan``, ``from_record``, ...)
but import the library's types for type checking only: the library may import
these models, never the other way round.
"""
