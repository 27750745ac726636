// title: Repost cascade of a post
// params: :param post_id => 'p006700'
// shows: every REPOSTED relationship carrying the post, as a path reposter -> the account
//        it reposted (cascade imports link each adopter to the earlier adopter it saw), in
//        time order: the graph view draws the cascade tree, the table says when (at, unix
//        seconds, and as a datetime) and how (repost, mention or reply). Uses the
//        REPOSTED(post_id) index of cypher/schema.cypher when present.
MATCH p = (r:Account)-[e:REPOSTED]->(s:Account)
WHERE e.post_id = $post_id
RETURN p, e.at AS at, datetime({epochSeconds: e.at}) AS time, e.action AS action,
       e.weight AS weight, r.key AS reposter, s.key AS reposted
ORDER BY e.at
LIMIT 2000
