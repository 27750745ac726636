// Create accounts the caller verified missing under the meta lock.
// rows: [{key, platform, id, idx}]; every new account starts as kind $user (label :User).
UNWIND $rows AS row
CREATE (a:Account:User {key: row.key, platform: row.platform, id: row.id, idx: row.idx,
                        name: $empty, kind: $user})
