// The idx of each of $keys that has an account.
UNWIND $keys AS k
MATCH (a:Account {key: k})
RETURN a.key AS key, a.idx AS idx
