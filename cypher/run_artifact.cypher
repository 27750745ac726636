MATCH (x:RunArtifact {run_id: $run_id, name: $artifact})
RETURN x.data AS data
