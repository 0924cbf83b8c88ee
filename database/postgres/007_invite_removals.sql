-- A member removed by the owner cannot come back through an invite made before the removal. An invite
-- remembers the room's head seq when it was made; a `remove` event targeting the redeemer with a later
-- seq refuses it. Invites made before this migration count as made at seq 0.
ALTER TABLE invites ADD COLUMN created_seq bigint NOT NULL DEFAULT 0;
CREATE INDEX room_events_removals ON room_events (room_id, target_id, seq) WHERE kind = 'remove';
