-- Look-alike usernames: each account's skeleton (shared/protocol/names.ts, usernameSkeleton: lower
-- case, "." "_" "-" dropped, 0 read as o, and I, i, 1 and | read as l), unique, so "bob_", "Bob." or
-- "b0b" cannot be registered next to "bob", nor "aIice" or "al1ce" next to "alice". The translate
-- strings must stay exactly those of SKELETON_FOLD there (a test reads them from this file). The server writes the skeleton of every new account. Accounts that existed
-- before stay as they are: of each group of existing names sharing a skeleton, the oldest holds it and
-- the others keep none (NULL, which a unique index lets repeat), so no existing account is renamed or
-- refused, and a new name like any of them is refused.
ALTER TABLE users ADD COLUMN username_skeleton text;
UPDATE users u SET username_skeleton = s.skeleton
FROM (
  SELECT DISTINCT ON (translate(lower(username), '01i|._-', 'olll')) id, translate(lower(username), '01i|._-', 'olll') AS skeleton
  FROM users
  ORDER BY translate(lower(username), '01i|._-', 'olll'), created_at, id
) s
WHERE u.id = s.id;
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);

-- One open device verification per requesting device: a device's new request replaces (cancels) its
-- open one, and two requests sent by one device at the same moment could both stay open, since the
-- server checked and inserted in separate statements. The partial unique index closes that race (the
-- store cancels the open one and inserts in one transaction, and a request that loses the race to the
-- index cancels the winner in turn: the newest stays). Open is the step, not the age: the store cancels
-- an expired open request too before inserting. Requests that are already doubled are closed here
-- the way the server closes them: all but the newest are cancelled as replaced.
UPDATE device_verifications v
SET state = v.state || '{"step": "cancelled", "reason": "a newer request from the same device replaced it", "cancelledBy": null}'::jsonb, updated_at = now()
WHERE v.state->>'step' NOT IN ('done', 'cancelled')
  AND EXISTS (
    SELECT 1 FROM device_verifications n
    WHERE n.new_device = v.new_device AND n.state->>'step' NOT IN ('done', 'cancelled') AND (n.created_at, n.id) > (v.created_at, v.id)
  );
CREATE UNIQUE INDEX device_verifications_one_open ON device_verifications (new_device) WHERE state->>'step' NOT IN ('done', 'cancelled');
