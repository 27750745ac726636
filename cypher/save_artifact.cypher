// A binary artifact of a run (audience sketches, edge probabilities) as a byte array.
MERGE (x:RunArtifact {run_id: $run_id, name: $artifact})
SET x.data = $data
