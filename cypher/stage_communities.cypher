// Community nodes of a run. rows: [{id, size, internal_edges, external_edges, density,
// top: [key, ...], bridges: [key, ...]}] (see kolgraph.rank.communities.community_summary)
UNWIND $rows AS row
CREATE (:Community {run_id: $run_id, id: row.id, size: row.size,
                    internal_edges: row.internal_edges, external_edges: row.external_edges,
                    density: row.density, top: row.top, bridges: row.bridges})
