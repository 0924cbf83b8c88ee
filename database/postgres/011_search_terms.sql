-- Search terms from the application's tokenizer (shared/search/tokens.ts), the same for open rooms
-- here and private rooms on the device: the tsvector is written with the message (lexemes are ours, in
-- the language-neutral 'simple' sense: cast, not parsed; weight A whole tokens, B parts, C stems), not
-- generated, since folding, CJK bigrams and per-language stems are not SQL. The old English-stemmed
-- generated column goes; existing messages get their terms from the re-index the server runs at start
-- (server/store/search-reindex.ts), batch by batch, found through room_events_unindexed.
DROP INDEX IF EXISTS room_events_search;
ALTER TABLE room_events DROP COLUMN search;
ALTER TABLE room_events ADD COLUMN search tsvector;
CREATE INDEX room_events_search ON room_events USING gin (search) WHERE body IS NOT NULL;
CREATE INDEX room_events_unindexed ON room_events (id) WHERE body IS NOT NULL AND search IS NULL;

-- append_messages (003) with each message's search terms.
DROP FUNCTION append_messages(uuid[], uuid[], uuid[], uuid[], text[], jsonb[]);
CREATE FUNCTION append_messages(p_ids uuid[], p_rooms uuid[], p_senders uuid[], p_client_ids uuid[], p_bodies text[], p_envelopes jsonb[], p_search tsvector[])
RETURNS TABLE (idx integer, outcome text, event_id uuid, event_seq bigint, event_body text, event_envelope jsonb, event_created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  i integer;
  v_head bigint;
  v_visibility text;
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
    INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, envelope, client_msg_id, search)
      VALUES (p_ids[i], p_rooms[i], v_head, 'message', p_senders[i], p_bodies[i], p_envelopes[i], p_client_ids[i],
              CASE WHEN p_bodies[i] IS NULL THEN NULL ELSE coalesce(p_search[i], ''::tsvector) END)
      RETURNING room_events.created_at INTO event_created_at;
    outcome := 'appended';
    event_id := p_ids[i];
    event_seq := v_head;
    event_body := p_bodies[i];
    event_envelope := p_envelopes[i];
    RETURN NEXT;
  END LOOP;
END
$$;
