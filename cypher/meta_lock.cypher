// Take the write lock on the singleton meta node (creating it on first use), then read it.
// Every transaction that allocates account idx values or claims a score slot starts with
// this, so those steps are serialized. $token is any value: writing it takes the lock
// before anything is read.
MERGE (m:KolgraphMeta {id: 0})
  ON CREATE SET m.next_idx = 0, m.epoch = $epoch
SET m.lock = $token
RETURN m.next_idx AS next_idx, m.epoch AS epoch, m.current_run AS current_run,
       m.current_slot AS current_slot
