-- Private rooms: encrypted envelopes, removals by the owner, invites, direct messages, the device key
-- directory and per-device queues of sealed chain shares.

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

DROP FUNCTION append_message(uuid, uuid, uuid, uuid, text);

-- As 002, with the envelope of private rooms beside the body of open ones, each only in its kind of room.
CREATE FUNCTION append_message(p_id uuid, p_room uuid, p_sender uuid, p_client_msg_id uuid, p_body text, p_envelope jsonb)
RETURNS TABLE (outcome text, event_id uuid, event_seq bigint, event_body text, event_envelope jsonb, event_created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_head bigint;
  v_visibility text;
BEGIN
  SELECT visibility INTO v_visibility FROM rooms WHERE rooms.id = p_room FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'no_room';
    RETURN NEXT;
    RETURN;
  END IF;
  -- Open rooms take text, private rooms only envelopes: the server never stores a private plaintext.
  IF (v_visibility = 'open') <> (p_body IS NOT NULL) OR (p_body IS NULL) = (p_envelope IS NULL) THEN
    outcome := 'wrong_payload';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT e.id, e.seq, e.body, e.envelope, e.created_at INTO event_id, event_seq, event_body, event_envelope, event_created_at
    FROM room_events e WHERE e.room_id = p_room AND e.sender_id = p_sender AND e.client_msg_id = p_client_msg_id;
  IF FOUND THEN
    outcome := 'duplicate';
    RETURN NEXT;
    RETURN;
  END IF;
  PERFORM 1 FROM room_members m WHERE m.room_id = p_room AND m.user_id = p_sender;
  IF NOT FOUND THEN
    outcome := 'not_member';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE rooms SET head_seq = head_seq + 1 WHERE rooms.id = p_room RETURNING head_seq INTO v_head;
  INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, envelope, client_msg_id)
    VALUES (p_id, p_room, v_head, 'message', p_sender, p_body, p_envelope, p_client_msg_id)
    RETURNING room_events.created_at INTO event_created_at;
  outcome := 'appended';
  event_id := p_id;
  event_seq := v_head;
  event_body := p_body;
  event_envelope := p_envelope;
  RETURN NEXT;
END
$$;
