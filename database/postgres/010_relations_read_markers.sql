-- Relations between events and server-side read markers.
--
-- A relation is an ordinary room event (its own seq) that names an earlier message of the same room:
-- an edit (the author's new text), a delete (no content), a reaction (one emoji) or a reply. The type and
-- target stay in clear even in private rooms, so the server can enforce authorship and limits; the
-- content is the body (open rooms) or the envelope (private rooms), as for any message.
ALTER TABLE room_events ADD COLUMN relation_type text;
ALTER TABLE room_events ADD COLUMN relates_to uuid REFERENCES room_events (id);
-- Set when a delete removed the content (body, envelope and so the search entry) of this event for good.
ALTER TABLE room_events ADD COLUMN redacted_at timestamptz;
-- Set on a message and on its edits once a newer edit exists: search reads only the latest text.
ALTER TABLE room_events ADD COLUMN superseded boolean NOT NULL DEFAULT false;
ALTER TABLE room_events ADD CONSTRAINT room_events_relation_pair CHECK ((relation_type IS NULL) = (relates_to IS NULL));
CREATE INDEX room_events_relations ON room_events (relates_to, relation_type) WHERE relates_to IS NOT NULL;

-- Where each user stopped reading each room: the highest seq read, on any of their devices. Only a seq:
-- the server learns nothing about the content of private rooms from it.
CREATE TABLE read_markers (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq        bigint NOT NULL CHECK (seq >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, room_id)
);
