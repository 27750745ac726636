// Which of $keys have no account yet.
UNWIND $keys AS k
OPTIONAL MATCH (a:Account {key: k})
WITH k, a
WHERE a IS NULL
RETURN collect(k) AS missing
