// Alert subscriptions, oldest first: all ($topic null) or a topic's own and those of
// $every_topic ("*").
MATCH (s:AlertSubscription)
WHERE ($topic IS NULL OR s.topic IN [$topic, $every_topic]) AND (NOT $active_only OR s.active)
RETURN s {.*} AS sub
ORDER BY s.created, s.id
