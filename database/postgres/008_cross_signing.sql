-- Cross-signing: each user's identity key (public half; the private key stays on the user's devices),
-- each device's signature by it, and the short-authentication-string exchanges that approve a new
-- device. The server cannot forge a signature; clients check every one.
ALTER TABLE users ADD COLUMN identity_key text;
ALTER TABLE devices ADD COLUMN cross_signature text;

CREATE TABLE device_verifications (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  new_device  uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  state       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_verifications_user ON device_verifications (user_id, created_at);
