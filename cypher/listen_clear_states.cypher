// clear() after the events: drop the checkpoints, restart the sequence numbers and forget
// every topic's state (topic definitions stay).
OPTIONAL MATCH (c:ListenCheckpoint)
DELETE c
WITH count(*) AS checkpoints
MERGE (m:ListenMeta {id: 0})
SET m.last_seq = 0
WITH count(*) AS counters
MATCH (t:Topic)
SET t.state = null, t.updated = null
