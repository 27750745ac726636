// remove_topic: delete the topic (its memberships are gone by now); 0 when there was none.
MATCH (t:Topic {name: $topic})
DETACH DELETE t
RETURN count(*) AS n
