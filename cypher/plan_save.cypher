// Keep a plan (insert or replace by id); params, body and evaluation are JSON strings.
MERGE (p:Plan {id: $id})
SET p.run_id = $run_id, p.created = $created, p.params = $params, p.body = $body,
    p.evaluation = $evaluation
