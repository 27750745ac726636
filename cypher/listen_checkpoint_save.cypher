// add_events: the position after the batch in source $source.
MERGE (c:ListenCheckpoint {source: $source})
SET c.position = $position, c.updated = $updated
