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
