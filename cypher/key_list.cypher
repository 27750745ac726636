// Every API key, revoked ones too, oldest first.
MATCH (k:ApiKey)
RETURN k {.*} AS key
ORDER BY k.created, k.id
