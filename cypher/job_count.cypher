// How many job records there are.
MATCH (j:Job)
RETURN count(j) AS n
