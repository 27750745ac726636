// One alert subscription by id, active or not.
MATCH (s:AlertSubscription {id: $sub_id})
RETURN s {.*} AS sub
