// clear(): restart numbering; a new epoch tells other processes that cached ids are stale.
MERGE (m:KolgraphMeta {id: 0})
SET m.next_idx = 0, m.epoch = $epoch, m.current_run = null
