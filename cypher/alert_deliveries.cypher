// The delivery log, newest first, optionally of one topic and one status.
MATCH (d:AlertDelivery)
WHERE ($topic IS NULL OR d.topic = $topic) AND ($status IS NULL OR d.status = $status)
RETURN d {.*} AS delivery
ORDER BY d.created DESC, d.event_id DESC, d.subscription_id DESC
LIMIT $limit
