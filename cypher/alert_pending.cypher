// Deliveries still pending, oldest first.
MATCH (d:AlertDelivery {status: 'pending'})
RETURN d {.*} AS delivery
ORDER BY d.created, d.event_id, d.subscription_id
LIMIT $limit
