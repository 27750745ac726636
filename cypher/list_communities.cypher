// Communities of the current run, largest first, with the total count.
MATCH (m:KolgraphMeta {id: 0})
MATCH (c:Community {run_id: m.current_run})
WITH c ORDER BY c.size DESC, c.id
WITH collect(c {.*}) AS comms
RETURN size(comms) AS total, comms[$offset..($offset + $limit)] AS page
