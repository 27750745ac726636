// Constraints and indexes for the kolgraph graph model (idempotent: IF NOT EXISTS).
CREATE CONSTRAINT account_key IF NOT EXISTS FOR (a:Account) REQUIRE a.key IS UNIQUE;
CREATE CONSTRAINT account_idx IF NOT EXISTS FOR (a:Account) REQUIRE a.idx IS UNIQUE;
CREATE CONSTRAINT rank_run_id IF NOT EXISTS FOR (r:RankRun) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:KolgraphMeta) REQUIRE m.id IS UNIQUE;
CREATE INDEX account_kind IF NOT EXISTS FOR (a:Account) ON (a.kind);
CREATE INDEX account_platform IF NOT EXISTS FOR (a:Account) ON (a.platform);
CREATE INDEX account_pagerank IF NOT EXISTS FOR (a:Account) ON (a.pagerank);
CREATE INDEX account_s0_run IF NOT EXISTS FOR (a:Account) ON (a.s0_run);
CREATE INDEX account_s1_run IF NOT EXISTS FOR (a:Account) ON (a.s1_run);
CREATE INDEX account_rank_run IF NOT EXISTS FOR (a:Account) ON (a.rank_run);
CREATE INDEX rank_run_status IF NOT EXISTS FOR (r:RankRun) ON (r.status);
CREATE INDEX run_artifact IF NOT EXISTS FOR (x:RunArtifact) ON (x.run_id, x.name);
CREATE INDEX community_run IF NOT EXISTS FOR (c:Community) ON (c.run_id, c.id);
CREATE INDEX reposted_post IF NOT EXISTS FOR ()-[e:REPOSTED]-() ON (e.post_id);
CREATE INDEX overlaps_run IF NOT EXISTS FOR ()-[o:OVERLAPS]-() ON (o.run_id);
CREATE CONSTRAINT crawl_id IF NOT EXISTS FOR (c:Crawl) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT crawl_task IF NOT EXISTS FOR (t:CrawlTask) REQUIRE (t.crawl_id, t.key) IS UNIQUE;
CREATE INDEX crawl_task_crawl IF NOT EXISTS FOR (t:CrawlTask) ON (t.crawl_id);
