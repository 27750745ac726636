// Deliveries still pending ($status is 'pending'), oldest first.
MATCH (d:AlertDelivery {status: $status})
RETURN d {.*} AS delivery
ORDER BY d.created, d.event_id, d.subscription_id
LIMIT $limit
