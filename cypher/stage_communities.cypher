// Community nodes of a run. rows: [{id, size, internal_edges, top: [key, ...]}]
UNWIND $rows AS row
CREATE (:Community {run_id: $run_id, id: row.id, size: row.size,
                    internal_edges: row.internal_edges, top: row.top})
