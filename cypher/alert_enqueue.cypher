// Record deliveries; one already kept for (event_id, subscription_id) is left as it is.
// rows: [{event_id, subscription_id, topic, kind, payload (JSON), status, attempts, ...}]
// Only the rows this statement created carry $token, so only they are returned.
UNWIND $rows AS row
MERGE (d:AlertDelivery {event_id: row.event_id, subscription_id: row.subscription_id})
  ON CREATE SET d += row, d.token = $token
WITH d, row
WHERE d.token = $token
REMOVE d.token
RETURN row.event_id AS event_id, row.subscription_id AS subscription_id
