// clear(): delete up to $batch alert deliveries (subscriptions stay); loop until 0.
MATCH (d:AlertDelivery)
WITH d LIMIT $batch
DELETE d
RETURN count(*) AS n
