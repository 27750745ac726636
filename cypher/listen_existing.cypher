// add_events and stored_ids: which of $ids are stored events already.
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN e.id AS id
