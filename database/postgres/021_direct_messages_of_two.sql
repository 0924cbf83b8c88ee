-- A direct message (a room with a dm_key, the two user ids in order joined by ':') is exactly its two
-- people, and neither owns it. Older servers stored its opener as `owner`, which let them invite others
-- in (and kick or moderate the other person). This puts such rooms right; it is safe to run again.
--
-- 1. Its opener becomes a member like the other.
UPDATE room_members m SET role = 'member'
  FROM rooms r
 WHERE r.id = m.room_id AND r.dm_key IS NOT NULL AND m.role = 'owner';

-- 2. Anyone else let in (by an invite link) is out: they read no more, and no key is shared with them.
DELETE FROM room_members m
 USING rooms r
 WHERE r.id = m.room_id AND r.dm_key IS NOT NULL
   AND m.user_id::text <> split_part(r.dm_key, ':', 1)
   AND m.user_id::text <> split_part(r.dm_key, ':', 2);
DELETE FROM key_shares s
 USING rooms r, devices d
 WHERE r.id = s.room_id AND r.dm_key IS NOT NULL AND d.id = s.recipient_device
   AND d.user_id::text <> split_part(r.dm_key, ':', 1)
   AND d.user_id::text <> split_part(r.dm_key, ':', 2);
DELETE FROM reshare_requests q
 USING rooms r
 WHERE r.id = q.room_id AND r.dm_key IS NOT NULL
   AND q.requester_user::text <> split_part(r.dm_key, ':', 1)
   AND q.requester_user::text <> split_part(r.dm_key, ':', 2);

-- 3. Its invite links die (the server refuses them anyway).
UPDATE invites i SET revoked_at = now()
  FROM rooms r
 WHERE r.id = i.room_id AND r.dm_key IS NOT NULL AND i.revoked_at IS NULL;
