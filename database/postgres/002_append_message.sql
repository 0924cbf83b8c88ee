-- Appending a message in one round trip: lock the room, answer a repeated clientMsgId with the
-- original, check membership, take the next seq and insert — each step with a fresh snapshot taken
-- after the lock, so a send racing a leave or kick is ordered against it, never slipped in after it.
CREATE FUNCTION append_message(p_id uuid, p_room uuid, p_sender uuid, p_client_msg_id uuid, p_body text)
RETURNS TABLE (outcome text, event_id uuid, event_seq bigint, event_body text, event_created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_head bigint;
BEGIN
  PERFORM 1 FROM rooms WHERE rooms.id = p_room FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'no_room';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT e.id, e.seq, e.body, e.created_at INTO event_id, event_seq, event_body, event_created_at
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
  INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id)
    VALUES (p_id, p_room, v_head, 'message', p_sender, p_body, p_client_msg_id)
    RETURNING room_events.created_at INTO event_created_at;
  outcome := 'appended';
  event_id := p_id;
  event_seq := v_head;
  event_body := p_body;
  RETURN NEXT;
END
$$;
