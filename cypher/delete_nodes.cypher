// clear(): delete up to $batch kolgraph nodes (relationships are gone by now); loop until 0.
MATCH (n)
WHERE n:Account OR n:Community OR n:RankRun OR n:RunArtifact OR n:Crawl OR n:CrawlTask
   OR n:Plan OR n:Job OR n:JobLock
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS n
