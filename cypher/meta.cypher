// The singleton meta node, if any.
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
RETURN m.next_idx AS next_idx, m.epoch AS epoch, m.current_run AS current_run,
       m.current_slot AS current_slot
