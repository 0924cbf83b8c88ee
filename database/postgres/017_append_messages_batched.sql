-- append_messages with the same arguments, results and locking, but one INSERT per batch instead of one
-- per message: the checks run per message as before (lock the room, payload, repeat, membership, then
-- advance the room's head), and the events the batch appends are inserted together at the end, so the
-- statement-level search postings trigger (migration 014) fires once per group commit instead of once
-- per message. On the embedded database this took 10-25 % off the database's CPU per message (see
-- docs/benchmarks-notes.md, issue 19).
--
-- What it answers, per message and in this order, is unchanged: `no_room`, `wrong_payload`,
-- `duplicate` (of a stored event, or of a message appended earlier in the same batch, which is not in
-- the table yet and is found in the batch's own list), `not_member`, else `appended` with the next seq
-- of its room. `event_created_at` is the transaction's time, which is the column's default that the
-- insert gives the row, as before.
CREATE OR REPLACE FUNCTION append_messages(p_ids uuid[], p_rooms uuid[], p_senders uuid[], p_client_ids uuid[], p_bodies text[], p_envelopes jsonb[], p_search tsvector[], p_search_version smallint)
RETURNS TABLE (idx integer, outcome text, event_id uuid, event_seq bigint, event_body text, event_envelope jsonb, event_created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  i integer;
  pos integer;
  v_head bigint;
  v_visibility text;
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
    SELECT visibility INTO v_visibility FROM rooms WHERE rooms.id = p_rooms[i] FOR UPDATE;
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
