-- Read markers start at each member's join. The server now stores a member's marker as the seq of
-- their join event when they join (or create the room), so what was said before is not unread to
-- them. Members who joined on an older server kept marker 0 (or had no marker row at all, which the
-- clients read as 0), and so saw a room's whole history as unread. This puts them where the server
-- would have put them.
--
-- The rule, for each current member of each room:
-- * Their marker becomes the seq of their latest join event in the room (room_events, kind 'join',
--   sent by them): the event the join code writes, and whose seq it stores as the marker — which is
--   the room's latest seq at the moment they joined, since the join event takes the next seq. The
--   latest join is the one of the membership they hold now (someone who left and came back has a
--   join event per membership).
-- * Only when no join event of theirs is there (not one is written by any server, but a hand-edited
--   database may lack it) does it become the room's current latest seq (rooms.head_seq): nothing
--   older is then called unread.
-- * A marker only moves forward (GREATEST, as the join code stores it): someone who has read past
--   their join keeps their place. So a marker of 0, a missing marker, and a marker left behind from
--   an earlier membership all end at the join; the others are unchanged. It is safe to run again.
-- Former members (no room_members row) are left alone: they see no unread counts for the room.
-- The join events are read in one pass over room_events (not once per member).
WITH joins AS (
  SELECT room_id, sender_id AS user_id, max(seq) AS seq
    FROM room_events
   WHERE kind = 'join'
   GROUP BY room_id, sender_id
)
INSERT INTO read_markers (user_id, room_id, seq)
SELECT m.user_id, m.room_id, COALESCE(j.seq, r.head_seq)
  FROM room_members m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN joins j ON j.room_id = m.room_id AND j.user_id = m.user_id
ON CONFLICT (user_id, room_id) DO UPDATE
   SET seq = EXCLUDED.seq, updated_at = now()
 WHERE read_markers.seq < EXCLUDED.seq;
