// One API key by id, revoked or not.
MATCH (k:ApiKey {id: $key_id})
RETURN k {.*} AS key
