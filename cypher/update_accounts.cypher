// Update account metadata; null fields leave the stored value alone.
// rows: [{key, name, kind, followers, cost}]; $kinds maps kol/media/own/partner/user to
// themselves, so the labels below are chosen by comparison, never built from input.
UNWIND $rows AS row
MATCH (a:Account {key: row.key})
SET a.name = coalesce(row.name, a.name),
    a.followers = coalesce(row.followers, a.followers),
    a.cost = coalesce(row.cost, a.cost),
    a.kind = coalesce(row.kind, a.kind)
WITH a, row
WHERE row.kind IS NOT NULL
REMOVE a:KOL:Media:Own:Partner:User
FOREACH (_ IN CASE WHEN row.kind = $kinds.kol THEN [1] ELSE [] END | SET a:KOL)
FOREACH (_ IN CASE WHEN row.kind = $kinds.media THEN [1] ELSE [] END | SET a:Media)
FOREACH (_ IN CASE WHEN row.kind = $kinds.own THEN [1] ELSE [] END | SET a:Own)
FOREACH (_ IN CASE WHEN row.kind = $kinds.partner THEN [1] ELSE [] END | SET a:Partner)
FOREACH (_ IN CASE WHEN row.kind = $kinds.user THEN [1] ELSE [] END | SET a:User)
