// title: Current rank run
// params: none
// shows: the run readers see now (KolgraphMeta.current_run): status, start and end, and the
//        JSON the job recorded (params, counts, timings, quality such as modularity), the next
//        dense idx, and live counts of accounts and relationships (from the count store).
MATCH (m:KolgraphMeta {id: 0})
OPTIONAL MATCH (r:RankRun {id: m.current_run})
RETURN m.current_run AS current_run, r.status AS status,
       CASE WHEN r.started IS NULL THEN null
            ELSE datetime({epochMillis: toInteger(r.started * 1000)}) END AS started,
       CASE WHEN r.finished IS NULL THEN null
            ELSE datetime({epochMillis: toInteger(r.finished * 1000)}) END AS finished,
       r.params AS params, r.counts AS counts, r.timings AS timings, r.quality AS quality,
       m.next_idx AS next_idx,
       COUNT { (:Account) } AS accounts,
       COUNT { ()-[:FOLLOWS]->() } AS follows,
       COUNT { ()-[:REPOSTED]->() } AS reposts
