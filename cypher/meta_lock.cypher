// Take the write lock on the singleton meta node (creating it on first use) and read the
// id counter. Every transaction that allocates account idx values starts with this, so
// allocations are serialized and idx stays dense. $token is any value: writing it is what
// takes the lock before the counter is read.
MERGE (m:KolgraphMeta {id: 0})
  ON CREATE SET m.next_idx = 0, m.epoch = $epoch
SET m.lock = $token
RETURN m.next_idx AS next_idx, m.epoch AS epoch, m.current_run AS current_run
