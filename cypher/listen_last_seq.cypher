// The sequence number of the newest event (null before the first).
OPTIONAL MATCH (m:ListenMeta {id: 0})
RETURN m.last_seq AS last_seq
