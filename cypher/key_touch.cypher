// Note that an API key was used.
MATCH (k:ApiKey {id: $key_id})
SET k.last_used = $when
