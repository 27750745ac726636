// How many events topic $topic has (no row when there is no such topic).
MATCH (t:Topic {name: $topic})
RETURN COUNT { (t)<-[:IN_TOPIC]-() } AS n
