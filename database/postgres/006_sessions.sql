-- Sessions as a server-side fact: one per device sign-in (a refresh-token family, whose id is the
-- session's). Access tokens name their session (`sid`), and every authenticated request, socket upgrade
-- and socket frame is refused once it, or its device, is revoked.
CREATE TABLE sessions (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id  uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX sessions_device ON sessions (device_id);

-- Every family signed in before this migration becomes a session, revoked if any of its tokens was.
INSERT INTO sessions (id, user_id, device_id, created_at, revoked_at)
SELECT family_id, (array_agg(user_id))[1], (array_agg(device_id))[1], min(created_at), max(revoked_at)
FROM refresh_tokens
GROUP BY family_id;

-- For a few seconds after a rotation, the pair it issued, sealed (AES-256-GCM) under a key derived from
-- the spent refresh token, which is stored nowhere: a client whose answer was lost re-presents the
-- spent token and gets the same pair, from any instance. Rows are deleted once expired.
CREATE TABLE refresh_successors (
  token_hash text PRIMARY KEY REFERENCES refresh_tokens (token_hash) ON DELETE CASCADE,
  family_id  uuid NOT NULL,
  sealed     text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX refresh_successors_expires ON refresh_successors (expires_at);
CREATE INDEX refresh_successors_family ON refresh_successors (family_id);
