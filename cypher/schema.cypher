// Constraints and indexes for the kolgraph graph model (idempotent).
CREATE CONSTRAINT account_key IF NOT EXISTS FOR (a:Account) REQUIRE a.key IS UNIQUE;
CREATE CONSTRAINT rank_run_id IF NOT EXISTS FOR (r:RankRun) REQUIRE r.id IS UNIQUE;
CREATE INDEX account_kind IF NOT EXISTS FOR (a:Account) ON (a.kind);
CREATE INDEX account_pagerank IF NOT EXISTS FOR (a:Account) ON (a.pagerank);
