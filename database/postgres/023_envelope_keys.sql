-- One message key per envelope. An envelope is sealed with the key at position `counter` of its sender
-- device's chain `keyId`; two copies of one device's state (a CHAT_HOME copied to another machine)
-- advance the same chain separately and seal different messages with the same key, and recipients then
-- open only the first ("message 1 of this chain was already read"). `envelope_keys` holds each
-- (sender device, chain, counter) taken, with the event that took it, under a primary key, so the
-- second is refused atomically, also under concurrent sends.
--
-- append_messages gains three arrays (the envelope's sender device, keyId and counter; NULL for an open
-- room's message, and given apart from the envelope because the MongoDB store keeps envelopes out of
-- PostgreSQL) and two outcomes, checked after `not_member` (a retry with the same clientMsgId stays a
-- `duplicate`): `peer_left`, a message to a direct message whose other person is no longer in it
-- (checked under the room's lock, which a leave takes too, see docs/security.md), then `key_reused`.
-- Everything else is as in 017. The old signature is dropped.
--
-- Envelopes already stored are entered (the first of a reused triple keeps it; the MongoDB store's
-- rows hold no envelope here and are not entered).
CREATE TABLE envelope_keys (
  sender_device text NOT NULL,
  key_id text NOT NULL,
  counter bigint NOT NULL,
  event_id uuid NOT NULL,
  PRIMARY KEY (sender_device, key_id, counter)
);

INSERT INTO envelope_keys (sender_device, key_id, counter, event_id)
  SELECT envelope->>'senderDevice', envelope->>'keyId', (envelope->>'counter')::bigint, id
  FROM room_events
  WHERE envelope IS NOT NULL AND envelope ? 'senderDevice' AND envelope ? 'keyId' AND envelope ? 'counter'
  ORDER BY room_id, seq
  ON CONFLICT DO NOTHING;

DROP FUNCTION append_messages(uuid[], uuid[], uuid[], uuid[], text[], jsonb[], tsvector[], smallint);

CREATE FUNCTION append_messages(p_ids uuid[], p_rooms uuid[], p_senders uuid[], p_client_ids uuid[], p_bodies text[], p_envelopes jsonb[], p_search tsvector[], p_search_version smallint,
  p_key_devices text[], p_key_ids text[], p_key_counters bigint[])
RETURNS TABLE (idx integer, outcome text, event_id uuid, event_seq bigint, event_body text, event_envelope jsonb, event_created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  i integer;
  pos integer;
  v_head bigint;
  v_visibility text;
  v_direct boolean;
  v_key text;
  -- The events to insert (the message's index and seq), and each one's room, sender and clientMsgId
  -- to find a repeat of it later in the batch.
  a_idx integer[] := '{}';
  a_seq bigint[] := '{}';
  a_key text[] := '{}';
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
    idx := i;
    event_id := NULL;
    event_seq := NULL;
    event_body := NULL;
    event_envelope := NULL;
    event_created_at := NULL;
    SELECT visibility, dm_key IS NOT NULL INTO v_visibility, v_direct FROM rooms WHERE rooms.id = p_rooms[i] FOR UPDATE;
    IF NOT FOUND THEN
      outcome := 'no_room';
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF (v_visibility = 'open') <> (p_bodies[i] IS NOT NULL) OR (p_bodies[i] IS NULL) = (p_envelopes[i] IS NULL) THEN
      outcome := 'wrong_payload';
      RETURN NEXT;
      CONTINUE;
    END IF;
    v_key := p_rooms[i]::text || ' ' || p_senders[i]::text || ' ' || p_client_ids[i]::text;
    pos := array_position(a_key, v_key);
    IF pos IS NOT NULL THEN
      -- A repeat of a message appended earlier in this batch (not inserted yet): the event it made.
      outcome := 'duplicate';
      event_id := p_ids[a_idx[pos]];
      event_seq := a_seq[pos];
      event_body := p_bodies[a_idx[pos]];
      event_envelope := p_envelopes[a_idx[pos]];
      event_created_at := now();
      RETURN NEXT;
      CONTINUE;
    END IF;
    SELECT e.id, e.seq, e.body, e.envelope, e.created_at INTO event_id, event_seq, event_body, event_envelope, event_created_at
      FROM room_events e WHERE e.room_id = p_rooms[i] AND e.sender_id = p_senders[i] AND e.client_msg_id = p_client_ids[i];
    IF FOUND THEN
      outcome := 'duplicate';
      RETURN NEXT;
      CONTINUE;
    END IF;
    PERFORM 1 FROM room_members m WHERE m.room_id = p_rooms[i] AND m.user_id = p_senders[i];
    IF NOT FOUND THEN
      outcome := 'not_member';
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF v_direct THEN
      -- A direct message whose other person has left: they would never read it (docs/security.md).
      -- Checked under the room's lock, which a leave takes too.
      PERFORM 1 FROM room_members m WHERE m.room_id = p_rooms[i] AND m.user_id <> p_senders[i];
      IF NOT FOUND THEN
        outcome := 'peer_left';
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    IF p_key_devices[i] IS NOT NULL THEN
      -- The envelope's (sender device, chain, counter) is taken once, for good: a second one is a
      -- copy of the device reusing a message key. Taken before the head moves; a concurrent taker of
      -- the same triple waits for this transaction and then finds it taken.
      INSERT INTO envelope_keys (sender_device, key_id, counter, event_id)
        VALUES (p_key_devices[i], p_key_ids[i], p_key_counters[i], p_ids[i])
        ON CONFLICT DO NOTHING;
      IF NOT FOUND THEN
        outcome := 'key_reused';
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    UPDATE rooms SET head_seq = head_seq + 1 WHERE rooms.id = p_rooms[i] RETURNING head_seq INTO v_head;
    a_idx := a_idx || i;
    a_seq := a_seq || v_head;
    a_key := a_key || v_key;
    outcome := 'appended';
    event_id := p_ids[i];
    event_seq := v_head;
    event_body := p_bodies[i];
    event_envelope := p_envelopes[i];
    -- The transaction's time: the column's default, which the insert below gives it.
    event_created_at := now();
    RETURN NEXT;
  END LOOP;
  IF array_length(a_idx, 1) > 0 THEN
    INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, envelope, client_msg_id, search, search_version)
      SELECT p_ids[a.i], p_rooms[a.i], a.seq, 'message', p_senders[a.i], p_bodies[a.i], p_envelopes[a.i], p_client_ids[a.i],
             CASE WHEN p_bodies[a.i] IS NULL THEN NULL ELSE coalesce(p_search[a.i], ''::tsvector) END, p_search_version
      FROM unnest(a_idx, a_seq) WITH ORDINALITY AS a(i, seq, ord)
      ORDER BY a.ord;
  END IF;
END
$$;
