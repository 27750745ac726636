// Replace a topic's last computed state (JSON text); 0 when there is no such topic.
MATCH (t:Topic {name: $topic})
SET t.state = $state, t.updated = $when
RETURN count(t) AS n
