// Take the write lock on the job lock of one kind (creating it on first use): an exclusive
// job's check and creation run after this, so two processes cannot both start one.
// $token is any value: writing it takes the lock before anything is read.
MERGE (l:JobLock {kind: $kind})
SET l.token = $token
