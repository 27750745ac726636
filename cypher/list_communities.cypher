// Communities of the current run, largest first, with the total count. Communities of runs
// ranked before kolgraph stored them have no external_edges, density or bridges (null).
MATCH (m:KolgraphMeta {id: 0})
MATCH (c:Community {run_id: m.current_run})
WITH c ORDER BY c.size DESC, c.id
WITH collect(c {.run_id, .id, .size, .internal_edges, .external_edges, .density, .top,
                .bridges}) AS comms
RETURN size(comms) AS total, comms[$offset..($offset + $limit)] AS page
