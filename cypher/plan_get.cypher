// One kept plan by id.
MATCH (p:Plan {id: $id})
RETURN p {.*} AS plan
