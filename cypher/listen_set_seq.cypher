// add_events: the sequence number of the newest event, in the same transaction as the events.
MATCH (m:ListenMeta {id: 0})
SET m.last_seq = $last_seq
