// Keep a new API key (only the salted digest of its secret, never the secret).
CREATE (k:ApiKey {id: $key.id, name: $key.name, scope: $key.scope, salt: $key.salt,
                  digest: $key.digest, created: $key.created})
