"""Importing public dump files into a store: edge lists, Higgs activity, cascades, accounts.

* :mod:`~kolgraph.ingest.edges`: delimited follower or repost edge lists (CSV,
  TSV or whitespace; fields placed by ``--columns``);
* :mod:`~kolgraph.ingest.higgs`: SNAP Higgs Twitter activity
  (``userA userB unix_ts RT|MT|RE``) as repost, mention and reply edges;
* :mod:`~kolgraph.ingest.cascades`: adoption cascades (Douban
  ``uid ts,uid ts,...``, Topo-LSTM ``root uid ts uid ts ...``) as repost edges
  linked along the follow edges already stored;
* :mod:`~kolgraph.ingest.accounts`: account names, kinds, follower counts and
  prices from a CSV file with a header row.

The edge importers share :mod:`~kolgraph.ingest.read` (plain or gzip files,
told apart by their first bytes; line-by-line UTF-8; id and timestamp checks),
:mod:`~kolgraph.ingest.run` (one import from start to finish) and
:mod:`~kolgraph.ingest.report` (the :class:`~kolgraph.ingest.report.ImportReport`
and the bad rows).

Every edge importer works in two phases. **Parse** reads the whole file and
validates each row; with ``on_error="fail"`` the first bad row raises an
:class:`~kolgraph.errors.InputError` naming the file, the line and the reason,
before anything is written. With ``on_error="skip"`` bad rows go to a rejects
file (``line<TAB>reason<TAB>raw row``) and are counted. A bad row is one with
too few fields, a bad id, timestamp or weight, or bytes that are not UTF-8; a
truncated or corrupt gzip stream always raises, because the rest of the file
is unknown. **Write** then adds the edges in batches; every write is
idempotent, so importing the same file twice changes no counts and an
interrupted import is finished by running it again. Nothing already stored is
ever deleted or overwritten by an import (an account import updates the
fields its file gives).
"""
