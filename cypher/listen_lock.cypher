// add_events: take the write lock on the listening counter (creating it on first use), then
// read the last event sequence number. $token is any value: writing it takes the lock first.
MERGE (m:ListenMeta {id: 0})
  ON CREATE SET m.last_seq = 0
SET m.lock = $token
RETURN m.last_seq AS last_seq
