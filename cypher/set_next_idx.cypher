// Advance the idx counter after accounts were created (still under the meta lock).
MATCH (m:KolgraphMeta {id: 0})
SET m.next_idx = $next_idx
