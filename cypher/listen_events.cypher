// Stored events with $since <= ts < $until and seq > $after_seq, in (ts, seq) order.
MATCH (e:Event)
WHERE e.ts >= $since AND e.ts < $until AND e.seq > $after_seq
RETURN e {.*} AS event
ORDER BY e.ts, e.seq
