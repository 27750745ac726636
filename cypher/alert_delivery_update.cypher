// Note one delivery attempt.
MATCH (d:AlertDelivery {event_id: $event_id, subscription_id: $subscription_id})
SET d.status = $status, d.attempts = $attempts, d.last_error = $last_error,
    d.last_status = $last_status, d.updated = $when
RETURN d {.*} AS delivery
