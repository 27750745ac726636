// Every account in idx order.
MATCH (a:Account)
RETURN a.idx AS idx, a.key AS key, a.platform AS platform, a.id AS account_id,
       a.name AS name, a.kind AS kind, a.followers AS followers, a.cost AS cost
ORDER BY a.idx
