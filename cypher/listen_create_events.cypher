// add_events: create new events (checked absent under the counter's lock); null fields are
// not stored.
UNWIND $rows AS row
CREATE (e:Event)
SET e = row
