-- Accounts, devices, sessions, rooms, membership and each room's sequenced event stream.

CREATE TABLE users (
  id            uuid PRIMARY KEY,
  username      text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE devices (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX devices_user ON devices (user_id);

-- Refresh tokens: only a SHA-256 of each is kept. A family is one sign-in; every rotation adds a row.
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  family_id  uuid NOT NULL,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id  uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE rooms (
  id         uuid PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  topic      text NOT NULL DEFAULT '',
  visibility text NOT NULL CHECK (visibility IN ('open', 'private')),
  owner_id   uuid NOT NULL REFERENCES users (id),
  head_seq   bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE room_members (
  room_id   uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role      text NOT NULL CHECK (role IN ('owner', 'member')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

-- A room's stream: messages and membership changes, one dense seq per room.
CREATE TABLE room_events (
  id            uuid PRIMARY KEY,
  room_id       uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq           bigint NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('message', 'join', 'leave')),
  sender_id     uuid NOT NULL REFERENCES users (id),
  body          text,
  client_msg_id uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX room_events_idempotency ON room_events (room_id, sender_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;
