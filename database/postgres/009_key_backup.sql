-- The encrypted key backup: per user, the current backup version and its key check, and one row per
-- sealed entry (the user's identity key, or an inbound chain key of a private room). The server holds
-- only ciphertext and labels; see docs/security.md. Entries of a version being written (a rotation of
-- the recovery key) wait beside the current ones until it is committed, which deletes all others.

CREATE TABLE key_backups (
  user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  version    integer NOT NULL CHECK (version > 0),
  key_check  text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE key_backup_entries (
  id            bigserial NOT NULL UNIQUE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  version       integer NOT NULL,
  key_check     text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('identity', 'chain')),
  entry_key     text NOT NULL,
  room_id       uuid,
  first_counter integer NOT NULL CHECK (first_counter >= 0),
  iv            text NOT NULL,
  ct            text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, version, kind, entry_key)
);
CREATE INDEX key_backup_entries_page ON key_backup_entries (user_id, version, id);
