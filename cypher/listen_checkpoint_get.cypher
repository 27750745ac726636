// The position stored for a source.
MATCH (c:ListenCheckpoint {source: $source})
RETURN c.position AS position
