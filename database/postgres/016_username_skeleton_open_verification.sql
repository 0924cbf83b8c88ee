-- Look-alike usernames: each account's skeleton (shared/protocol/names.ts, usernameSkeleton: lower
-- case, "." "_" "-" dropped, 0 read as o and 1 as l), unique, so "bob_", "Bob." or "b0b" cannot be
-- registered next to "bob". The server writes the skeleton of every new account. Accounts that existed
-- before stay as they are: of each group of existing names sharing a skeleton, the oldest holds it and
-- the others keep none (NULL, which a unique index lets repeat), so no existing account is renamed or
-- refused, and a new name like any of them is refused.
ALTER TABLE users ADD COLUMN username_skeleton text;
UPDATE users u SET username_skeleton = s.skeleton
FROM (
  SELECT DISTINCT ON (translate(lower(username), '01._-', 'ol')) id, translate(lower(username), '01._-', 'ol') AS skeleton
  FROM users
  ORDER BY translate(lower(username), '01._-', 'ol'), created_at, id
) s
WHERE u.id = s.id;
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);
