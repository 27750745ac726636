// One topic with its number of events.
MATCH (t:Topic {name: $topic})
RETURN t {.*} AS topic, COUNT { (t)<-[:IN_TOPIC]-() } AS events
