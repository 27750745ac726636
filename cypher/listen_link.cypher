// add_events: put the stored events among $ids into topic $topic (when it exists), once
// each; return how many memberships are new.
MATCH (t:Topic {name: $topic})
UNWIND $ids AS id
MATCH (e:Event {id: id})
WHERE NOT EXISTS { (e)-[:IN_TOPIC]->(t) }
CREATE (e)-[:IN_TOPIC]->(t)
RETURN count(*) AS n
