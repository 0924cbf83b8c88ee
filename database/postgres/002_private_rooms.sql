-- Private rooms: encrypted envelopes, removals by the owner, invites, direct messages, the device key
-- directory, per-device queues of sealed chain shares, and requests to share a chain again.

ALTER TABLE devices ADD COLUMN bundle jsonb;

ALTER TABLE room_events DROP CONSTRAINT room_events_kind_check;
ALTER TABLE room_events ADD CONSTRAINT room_events_kind_check CHECK (kind IN ('message', 'join', 'leave', 'remove'));
ALTER TABLE room_events ADD COLUMN envelope jsonb;
ALTER TABLE room_events ADD COLUMN target_id uuid REFERENCES users (id);

-- A direct message room is the private room of one pair: "smaller-id:larger-id".
ALTER TABLE rooms ADD COLUMN dm_key text UNIQUE;

CREATE TABLE invites (
  id         uuid PRIMARY KEY,
  room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_by uuid NOT NULL REFERENCES users (id),
  expires_at timestamptz NOT NULL,
  max_uses   integer NOT NULL CHECK (max_uses > 0),
  uses       integer NOT NULL DEFAULT 0,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invites_room ON invites (room_id);

CREATE TABLE key_shares (
  id               uuid PRIMARY KEY,
  recipient_device uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  room_id          uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  sender_device    uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  share            jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX key_shares_recipient ON key_shares (recipient_device, created_at);

-- A device that lacks the key of a message asks the sender's device to share its chain again.
CREATE TABLE reshare_requests (
  id               uuid PRIMARY KEY,
  room_id          uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  requester_user   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  requester_device uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  sender_device    uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  key_id           text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (requester_device, sender_device, key_id)
);
CREATE INDEX reshare_requests_sender ON reshare_requests (sender_device, created_at);
