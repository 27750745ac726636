MATCH (a:Account {key: $key})
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
RETURN a {.*} AS account, m.current_run AS current_run
