"""kolgraph: find the social accounts that really move a message.

kolgraph collects follower and repost edges, stores them (an embedded SQLite
store by default, Neo4j as the system of record), ranks accounts (PageRank,
communities, audience overlap) and plans campaigns across KOL, media, own and
partner accounts under a budget.
"""

from kolgraph.errors import KolgraphError
from kolgraph.model import Account, Kind, node_key

__all__ = ["Account", "Kind", "KolgraphError", "__version__", "node_key"]

__version__ = "0.1.0"
