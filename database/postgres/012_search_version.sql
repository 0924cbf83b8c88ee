-- Search terms carry the version of the tokenizer that wrote them (SEARCH_TERMS_VERSION in
-- shared/search/tokens.ts): the re-index the server runs at start (server/store/search-reindex.ts)
-- rewrites every message whose terms are older than the running code's, so a tokenizer change reaches
-- stored messages without a migration of its own. Every message stored so far is version 0: written
-- before the runs of a token's pieces were parts (`srv-web03` of "srv-web03.lan"), or with no terms.
ALTER TABLE room_events ADD COLUMN search_version smallint NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS room_events_unindexed;
CREATE INDEX room_events_search_stale ON room_events (search_version, id) WHERE body IS NOT NULL;

-- append_messages (011) with the version of the tokenizer that made the terms.
DROP FUNCTION append_messages(uuid[], uuid[], uuid[], uuid[], text[], jsonb[], tsvector[]);
CREATE FUNCTION append_messages(p_ids uuid[], p_rooms uuid[], p_senders uuid[], p_client_ids uuid[], p_bodies text[], p_envelopes jsonb[], p_search tsvector[], p_search_version smallint)
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
    INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, envelope, client_msg_id, search, search_version)
      VALUES (p_ids[i], p_rooms[i], v_head, 'message', p_senders[i], p_bodies[i], p_envelopes[i], p_client_ids[i],
              CASE WHEN p_bodies[i] IS NULL THEN NULL ELSE coalesce(p_search[i], ''::tsvector) END, p_search_version)
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
