// Deactivate an alert subscription (its deliveries stay).
MATCH (s:AlertSubscription {id: $sub_id})
SET s.active = false
RETURN s {.*} AS sub
