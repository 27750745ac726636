// remove_topic: delete up to $batch memberships of topic $topic; loop until 0.
MATCH (:Topic {name: $topic})<-[r:IN_TOPIC]-(:Event)
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS n
