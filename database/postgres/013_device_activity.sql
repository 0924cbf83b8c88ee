-- Where and when each device signed in and when it was last seen, for the account's own device list
-- (`chat devices`) and for the announcement of a new device to the account's other devices. The
-- address is the client's IP as the server saw it (through the trust-proxy setting); last_seen_at is
-- written at most once per few minutes per device (server/services/device-activity.ts).
ALTER TABLE devices ADD COLUMN added_from text;
ALTER TABLE devices ADD COLUMN signed_in_at timestamptz;
ALTER TABLE devices ADD COLUMN signed_in_from text;
ALTER TABLE devices ADD COLUMN last_seen_at timestamptz;
