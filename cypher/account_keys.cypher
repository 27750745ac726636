// Keys and idx of accounts with idx >= $from (the key cache refreshes incrementally).
MATCH (a:Account)
WHERE a.idx >= $from
RETURN a.key AS key, a.idx AS idx
