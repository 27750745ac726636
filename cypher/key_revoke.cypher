// Revoke an API key (a key already revoked keeps its first revocation time).
MATCH (k:ApiKey {id: $key_id})
SET k.revoked = coalesce(k.revoked, $when)
RETURN k {.*} AS key
