import type { DeviceBundle, Envelope, MemberRole, RoomEvent, RoomEventKind, RoomVisibility, SealedShare, SearchHit, VerificationState } from '../../shared/protocol/index.js';
import { matchText, parseQuery, SEARCH_TERMS_VERSION, snippetAround } from '../../shared/search/index.js';
import { ginCandidates, timeBuckets, toTsquery, windowsEnd, windowStart } from './search-sql.js';
import type { CandidateFilters } from './search-sql.js';
import { ChatError, MAX_REACTIONS_PER_MESSAGE, MAX_REACTIONS_PER_USER, usernameSkeleton } from '../../shared/protocol/index.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';
import { isQueryCanceled } from './sql-client.js';
import { SearchTermsOf } from './search-terms.js';
import type {
  AccountDeviceRecord,
  NewDevice,
  NewSession,
  DeviceRecord,
  DirectoryDeviceRecord,
  VerificationRecord,
  InviteRecord,
  KeyBackupEntryRecord,
  KeyBackupRecord,
  ReshareRequestRecord,
  ShareRecord,
  EventRange,
  MessageSearch,
  MemberRecord,
  MemberRoomRecord,
  MembershipAsk,
  NewDeletion,
  NewMessage,
  NewRelation,
  NewRoom,
  RefreshRotation,
  RemovalRecord,
  RefreshTokenRecord,
  OpenRoomQuery,
  RoomRecord,
  SessionRecord,
  Store,
  StoreResult,
  UserRecord,
} from './store.js';

type Row = Record<string, unknown>;

const ROOM_COLUMNS = `r.id, r.name, r.topic, r.visibility, r.owner_id, r.head_seq, r.created_at, r.dm_key IS NOT NULL AS direct,
  (SELECT count(*) FROM room_members c WHERE c.room_id = r.id) AS member_count`;

/** Text for a LIKE pattern, matched literally: `%`, `_` and the escape `\\` escaped. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const EVENT_SELECT = `SELECT e.id, e.room_id, e.seq, e.kind, e.sender_id, u.username AS sender_username,
  e.body, e.envelope, e.client_msg_id, e.created_at, e.target_id, t.username AS target_username,
  e.relation_type, e.relates_to, rt.seq AS relates_to_seq, e.redacted_at
  FROM room_events e JOIN users u ON u.id = e.sender_id LEFT JOIN users t ON t.id = e.target_id
  LEFT JOIN room_events rt ON rt.id = e.relates_to`;

/**
 * Search ranks at most this many of the newest looser matches (parts and stems: as many as the deepest
 * page reaches, offset 100 + limit 100), and only while the whole-token ones, of which it needs only as
 * many as the page reaches (they come first, newest first), do not fill the page: an exact match is
 * found however many newer looser ones there are, and the work stays bounded however common the words.
 */
const RANKED_CANDIDATES = 200;
/**
 * The windows a candidate pass tries before the rest of the history (see newestMatches): the GIN index
 * intersects a word with a window's time-bucket lexemes, so only the matches in it are read from the
 * table, one table page each. The first covers the hour before the searched rooms' newest event (and
 * its own hour, and all since); each next one reaches back from the start of the one before, as far as
 * the rate the windows so far found matches at (counted from that newest event, so that a quiet spell
 * since is no part of it) says SEARCH_WINDOW_MARGIN times the candidates still wanted need (at least twice as far back). After
 * a window with none, or for a window longer than SEARCH_WINDOW_MAX_HOURS (SEARCH_WINDOW_MAX_HOURS_KNOWN
 * once a quarter of the candidates are found, the rate then known well), the rest of the history: the
 * index reads every posting of a window's buckets (~30,000 a day at 1M messages in 35 days), which for
 * a word that rare costs more than reading the table page of each of its matches (the rest is read
 * through the GIN index only, see newestMatches). (A second, day-long
 * probe after an empty first window cost rare words, phrases and pairs of words more than it saved.)
 */
const SEARCH_WINDOW_FIRST_HOURS = 1;
/**
 * A window of a day or more, for a query whose matches the windows so far found at fewer than this many
 * an hour, is spelled with day lexemes only, its partial first and last days included (the window's
 * created_at range leaves their other messages out): GIN makes the entries rarer than the rest the ones
 * it walks, and an hour lexeme (~1,200 messages at 1M in 35 days) is rarer than all but the rarest
 * words, so a window of 24 hour lexemes had it walk ~28,000 postings and test the whole query on each
 * (10–30 ms under load for a two-character CJK word found ~50 times a day), where with day lexemes it
 * walks the word's own postings. The price is a table page for each match in the rest of those two
 * days: at this rate and a window of a day or more, at most about as many as the window's own.
 */
const SEARCH_WINDOW_DAY_RATE = 10;
const SEARCH_WINDOW_MARGIN = 1.25;
const SEARCH_WINDOW_MAX_HOURS = 24 * 8;
const SEARCH_WINDOW_MAX_HOURS_KNOWN = 24 * 31;
/** ts_rank weights of D, C (stems), B (parts), A (whole tokens). */
const RANK_WEIGHTS = '{0.05, 0.2, 0.5, 1.0}';
/** Messages the re-index writes per batch (tokenized in JS, or converted from their tsvector in SQL). */
const REINDEX_BATCH = 5_000;

/** A search candidate: its row's id, created_at in microseconds since 1970, class (3 whole tokens, 2 parts, 1 stems) and ts_rank. */
interface Candidate {
  readonly id: string;
  readonly at: bigint;
  readonly class: number;
  readonly rank: number;
}

/**
 * Runs one statement of a search (under its deadline) and answers its rows. `plan` 'gin' makes the
 * planner read the matches through the GIN index (`room_events_search`): it may use neither a plain
 * index scan (the newest-first walk of `room_events_recent`) nor a sequential scan, for that statement
 * only (settings local to its own transaction); 'any' (the default) leaves the plan to it.
 */
type SearchRun = (text: string, params: unknown[], plan?: 'any' | 'gin') => Promise<Row[]>;

const candidateOf = (r: Row): Candidate => ({ id: String(r.id), at: BigInt(String(r.at)), class: Number(r.class), rank: Number(r.rank) });

const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const asDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : asDate(v));

function toVerification(r: Row): VerificationRecord {
  return { id: String(r.id), userId: String(r.user_id), newDevice: String(r.new_device), state: parseJson(r.state) as VerificationState, createdAt: asDate(r.created_at) };
}

function toUser(r: Row): UserRecord {
  return {
    id: String(r.id),
    username: String(r.username),
    passwordHash: String(r.password_hash),
    createdAt: asDate(r.created_at),
    lastSeenAt: asDateOrNull(r.last_seen_at),
  };
}

function toDevice(r: Row): DeviceRecord {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    name: String(r.name),
    createdAt: asDate(r.created_at),
    revokedAt: asDateOrNull(r.revoked_at),
  };
}

function toRoom(r: Row): RoomRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    topic: String(r.topic),
    visibility: r.visibility as RoomVisibility,
    ownerId: String(r.owner_id),
    headSeq: Number(r.head_seq),
    memberCount: Number(r.member_count),
    createdAt: asDate(r.created_at),
    direct: r.direct === true,
  };
}

function toMember(r: Row): MemberRecord {
  return {
    roomId: String(r.room_id),
    userId: String(r.user_id),
    username: String(r.username),
    role: r.role as MemberRole,
    joinedAt: asDate(r.joined_at),
    lastSeenAt: asDateOrNull(r.last_seen_at),
  };
}

function toEvent(r: Row): RoomEvent {
  return {
    id: String(r.id),
    roomId: String(r.room_id),
    seq: Number(r.seq),
    kind: r.kind as RoomEventKind,
    sender: { id: String(r.sender_id), username: String(r.sender_username) },
    body: r.body === null || r.body === undefined ? null : String(r.body),
    envelope: r.envelope === null || r.envelope === undefined ? null : (parseJson(r.envelope) as Envelope),
    target: r.target_id === null || r.target_id === undefined ? null : { id: String(r.target_id), username: String(r.target_username) },
    clientMsgId: r.client_msg_id === null ? null : String(r.client_msg_id),
    createdAt: asDate(r.created_at).toISOString(),
    relation:
      r.relation_type === null || r.relation_type === undefined
        ? null
        : { type: String(r.relation_type), eventId: String(r.relates_to), seq: Number(r.relates_to_seq) },
    ...(r.redacted_at === null || r.redacted_at === undefined ? {} : { redacted: true }),
  };
}

/** jsonb comes back parsed from pg and PGlite alike, but be lenient with text. */
function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function toInvite(r: Row): InviteRecord {
  return {
    id: String(r.id),
    roomId: String(r.room_id),
    createdBy: String(r.created_by),
    expiresAt: asDate(r.expires_at),
    maxUses: Number(r.max_uses),
    uses: Number(r.uses),
    revokedAt: asDateOrNull(r.revoked_at),
    createdAt: asDate(r.created_at),
  };
}

function toShare(r: Row): ShareRecord {
  return {
    id: String(r.id),
    recipientDevice: String(r.recipient_device),
    roomId: String(r.room_id),
    senderDevice: String(r.sender_device),
    share: parseJson(r.share) as SealedShare,
    createdAt: asDate(r.created_at),
  };
}

/** Takes the room's row lock (serializing writers of one room) and returns its head seq, or null. */
async function lockRoom(tx: SqlExecutor, roomId: string): Promise<number | null> {
  const { rows } = await tx.query<Row>('SELECT head_seq FROM rooms WHERE id = $1 FOR UPDATE', [roomId]);
  return rows[0] ? Number(rows[0].head_seq) : null;
}

/** Appends an event at the room's next seq; the caller holds the room lock. */
async function insertEvent(
  tx: SqlExecutor,
  e: {
    id: string;
    roomId: string;
    kind: RoomEventKind;
    senderId: string;
    body: string | null;
    clientMsgId: string | null;
    targetId?: string;
    envelope?: Envelope | null;
    relation?: { type: string; eventId: string };
  },
): Promise<RoomEvent> {
  const { rows } = await tx.query<Row>(
    `WITH bumped AS (UPDATE rooms SET head_seq = head_seq + 1 WHERE id = $2 RETURNING head_seq),
     e AS (INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, target_id, envelope, relation_type, relates_to, search, search_version)
           SELECT $1, $2, bumped.head_seq, $3, $4, $5, $6, $7, $8, $9, $10, $11::tsvector, ${SEARCH_TERMS_VERSION} FROM bumped RETURNING *)
     SELECT e.*, u.username AS sender_username, t.username AS target_username, rt.seq AS relates_to_seq
     FROM e JOIN users u ON u.id = e.sender_id LEFT JOIN users t ON t.id = e.target_id LEFT JOIN room_events rt ON rt.id = e.relates_to`,
    [
      e.id,
      e.roomId,
      e.kind,
      e.senderId,
      e.body,
      e.clientMsgId,
      e.targetId ?? null,
      e.envelope ? JSON.stringify(e.envelope) : null,
      e.relation?.type ?? null,
      e.relation?.eventId ?? null,
      // Search terms are written with the text (an edit's and a reply's too; a reaction is no text to find),
      // made by the client (on the embedded database's thread: see search-terms.ts).
      new SearchTermsOf(e.kind === 'message' && e.relation?.type !== 'reaction' ? e.body : null),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error(`room ${e.roomId} vanished while appending`);
  return toEvent(row);
}

/**
 * Inserts an account with its username's skeleton (usernameSkeleton); `username_taken` when the name
 * is taken whatever its case, with `similarTo` the existing name when it is only alike (the same
 * skeleton). Both unique indexes answer a race between two registrations, not only this look-up.
 */
async function insertUser(q: SqlExecutor, user: { id: string; username: string; passwordHash: string }): Promise<StoreResult<UserRecord>> {
  const skeleton = usernameSkeleton(user.username);
  const { rows } = await q.query<Row>(
    `INSERT INTO users (id, username, password_hash, username_skeleton) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING *`,
    [user.id, user.username, user.passwordHash, skeleton],
  );
  if (rows[0]) return { ok: true, value: toUser(rows[0]) };
  const { rows: holders } = await q.query<Row>(
    'SELECT username, lower(username) = lower($1) AS same FROM users WHERE lower(username) = lower($1) OR username_skeleton = $2 ORDER BY 2 DESC LIMIT 1',
    [user.username, skeleton],
  );
  const holder = holders[0];
  return holder && holder.same !== true ? { ok: false, conflict: 'username_taken', similarTo: String(holder.username) } : { ok: false, conflict: 'username_taken' };
}

async function insertDevice(q: SqlExecutor, device: NewDevice & { userId: string }): Promise<DeviceRecord> {
  const { rows } = await q.query<Row>(
    'INSERT INTO devices (id, user_id, name, added_from, signed_in_at, signed_in_from) VALUES ($1, $2, $3, $4, now(), $4) RETURNING *',
    [device.id, device.userId, device.name, device.from ?? null],
  );
  return toDevice(rows[0] as Row);
}

/** How many times a verification request is tried while other requests of the same device keep winning the race (createVerification). */
const VERIFICATION_INSERT_ATTEMPTS = 5;

/** The Store over PostgreSQL, through `pg` or PGlite alike. */
export class SqlStore implements Store {
  constructor(private readonly db: SqlClient) {}

  async ping(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }

  createUserWithDevice(
    user: { id: string; username: string; passwordHash: string },
    device: NewDevice,
    session: NewSession,
  ): Promise<StoreResult<{ user: UserRecord; device: DeviceRecord }>> {
    return this.db.transaction(async (tx) => {
      const created = await insertUser(tx, user);
      if (!created.ok) return created;
      const stored = await insertDeviceWithSession(tx, { ...device, userId: user.id }, session);
      return { ok: true, value: { user: created.value, device: stored } } as const;
    });
  }

  createDeviceWithSession(device: NewDevice & { userId: string }, session: NewSession): Promise<DeviceRecord> {
    return this.db.transaction((tx) => insertDeviceWithSession(tx, device, session));
  }

  resumeDeviceSession(device: { id: string; userId: string; from: string | null }, session: NewSession, at: Date): Promise<DeviceRecord | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        // A sign-in is a sighting too: last seen is never before the latest sign-in.
        'UPDATE devices SET signed_in_at = $3, signed_in_from = $4, last_seen_at = GREATEST(last_seen_at, $3) WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING *',
        [device.id, device.userId, at, device.from],
      );
      if (!rows[0]) return null;
      await insertSession(tx, { id: device.id, userId: device.userId }, session);
      return toDevice(rows[0]);
    });
  }

  async touchDevicesLastSeen(seen: readonly { deviceId: string; at: Date }[], minIntervalMs: number): Promise<void> {
    if (seen.length === 0) return;
    await this.db.query(
      `UPDATE devices d SET last_seen_at = v.at FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at)
       WHERE d.id = v.id AND (d.last_seen_at IS NULL OR d.last_seen_at < v.at - make_interval(secs => $3::double precision / 1000))`,
      [seen.map((s) => s.deviceId), seen.map((s) => s.at), minIntervalMs],
    );
  }

  async listAccountDevices(userId: string): Promise<AccountDeviceRecord[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM devices WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id', [userId]);
    return rows.map((r) => ({
      deviceId: String(r.id),
      name: String(r.name),
      createdAt: asDate(r.created_at),
      addedFrom: r.added_from == null ? null : String(r.added_from),
      signedInAt: asDateOrNull(r.signed_in_at),
      signedInFrom: r.signed_in_from == null ? null : String(r.signed_in_from),
      lastSeenAt: asDateOrNull(r.last_seen_at),
    }));
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<Row>('SELECT * FROM users WHERE lower(username) = lower($1)', [username]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<Row>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async touchUserLastSeen(userId: string, at: Date): Promise<void> {
    await this.db.query('UPDATE users SET last_seen_at = $2 WHERE id = $1', [userId, at]);
  }

  async findDevice(id: string): Promise<DeviceRecord | null> {
    const { rows } = await this.db.query<Row>('SELECT * FROM devices WHERE id = $1', [id]);
    return rows[0] ? toDevice(rows[0]) : null;
  }

  async insertRefreshToken(t: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>): Promise<void> {
    await this.db.query(
      'INSERT INTO refresh_tokens (token_hash, family_id, user_id, device_id, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [t.tokenHash, t.familyId, t.userId, t.deviceId, t.expiresAt],
    );
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const { rows } = await this.db.query<Row>('SELECT * FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
    const r = rows[0];
    if (!r) return null;
    return {
      tokenHash: String(r.token_hash),
      familyId: String(r.family_id),
      userId: String(r.user_id),
      deviceId: String(r.device_id),
      expiresAt: asDate(r.expires_at),
      usedAt: asDateOrNull(r.used_at),
      revokedAt: asDateOrNull(r.revoked_at),
    };
  }

  async consumeRefreshToken(tokenHash: string, at: Date): Promise<boolean> {
    const { rows } = await this.db.query(
      `UPDATE refresh_tokens SET used_at = $2
       WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING token_hash`,
      [tokenHash, at],
    );
    return rows.length === 1;
  }

  async revokeTokenFamily(familyId: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL', [familyId, at]);
      await tx.query('UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [familyId, at]);
      await tx.query('DELETE FROM refresh_successors WHERE family_id = $1', [familyId]);
    });
  }

  async rotateRefreshToken(r: RefreshRotation): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `UPDATE refresh_tokens SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING token_hash`,
        [r.spentHash, r.at],
      );
      if (rows.length === 0) return false;
      const n = r.next;
      await tx.query('INSERT INTO refresh_tokens (token_hash, family_id, user_id, device_id, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        n.tokenHash,
        n.familyId,
        n.userId,
        n.deviceId,
        n.expiresAt,
      ]);
      await tx.query('DELETE FROM refresh_successors WHERE expires_at <= $1', [r.at]);
      await tx.query('INSERT INTO refresh_successors (token_hash, family_id, sealed, expires_at) VALUES ($1, $2, $3, $4)', [
        r.spentHash,
        n.familyId,
        r.sealedSuccessor,
        r.successorExpiresAt,
      ]);
      return true;
    });
  }

  async findRefreshSuccessor(spentHash: string, at: Date): Promise<string | null> {
    const { rows } = await this.db.query<Row>('SELECT sealed FROM refresh_successors WHERE token_hash = $1 AND expires_at > $2', [spentHash, at]);
    return rows[0] ? String(rows[0].sealed) : null;
  }

  async createSession(session: { id: string; userId: string; deviceId: string }): Promise<void> {
    await this.db.query('INSERT INTO sessions (id, user_id, device_id) VALUES ($1, $2, $3)', [session.id, session.userId, session.deviceId]);
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    return (await this.findSessions([id]))[0] ?? null;
  }

  async findSessions(ids: readonly string[]): Promise<SessionRecord[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<Row>(
      `SELECT s.id, s.user_id, s.device_id, COALESCE(s.revoked_at, d.revoked_at) AS revoked_at
       FROM sessions s JOIN devices d ON d.id = s.device_id WHERE s.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map((r) => ({ id: String(r.id), userId: String(r.user_id), deviceId: String(r.device_id), revokedAt: asDateOrNull(r.revoked_at) }));
  }

  async createRoom(room: NewRoom): Promise<StoreResult<{ room: RoomRecord; event: RoomEvent }>> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `INSERT INTO rooms (id, name, topic, visibility, owner_id, dm_key) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING RETURNING id`,
        [room.id, room.name, room.topic, room.visibility, room.ownerId, room.dmKey ?? null],
      );
      if (rows.length === 0) return { ok: false, conflict: 'room_exists' } as const;
      // Nobody owns a direct message: its opener is a member like the other.
      await tx.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, $3)`, [room.id, room.ownerId, room.dmKey === undefined ? 'owner' : 'member']);
      const event = await insertEvent(tx, {
        id: room.joinEventId,
        roomId: room.id,
        kind: 'join',
        senderId: room.ownerId,
        body: null,
        clientMsgId: null,
      });
      await readUpTo(tx, room.ownerId, room.id, event.seq);
      const created = await tx.query<Row>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = $1`, [room.id]);
      return { ok: true, value: { room: toRoom(created.rows[0] as Row), event } } as const;
    });
  }

  async findRoomById(id: string): Promise<RoomRecord | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = $1`, [id]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async findRoomByName(name: string): Promise<RoomRecord | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.name = $1`, [name]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async listRoomsOfUser(userId: string): Promise<MemberRoomRecord[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${ROOM_COLUMNS}, m.role FROM rooms r JOIN room_members m ON m.room_id = r.id
       WHERE m.user_id = $1 ORDER BY r.name`,
      [userId],
    );
    return rows.map((r) => ({ ...toRoom(r), role: r.role as MemberRole }));
  }

  async roomIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (result.size === 0) return result;
    const { rows } = await this.db.query<Row>('SELECT user_id, room_id FROM room_members WHERE user_id = ANY($1::uuid[])', [[...result.keys()]]);
    for (const r of rows) result.get(String(r.user_id))?.push(String(r.room_id));
    return result;
  }

  async listOpenRooms(query: OpenRoomQuery): Promise<RoomRecord[]> {
    const params: unknown[] = [query.limit];
    const where = [`r.visibility = 'open'`];
    if (query.after !== undefined) where.push(`r.name > $${params.push(query.after)}`);
    if (query.prefix !== undefined) where.push(`r.name LIKE $${params.push(`${likeLiteral(query.prefix)}%`)}`);
    if (query.contains !== undefined) {
      const n = params.push(`%${likeLiteral(query.contains)}%`);
      where.push(`(r.name ILIKE $${n} OR r.topic ILIKE $${n})`);
    }
    const { rows } = await this.db.query<Row>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE ${where.join(' AND ')} ORDER BY r.name LIMIT $1`, params);
    return rows.map(toRoom);
  }

  async setRoomTopic(roomId: string, topic: string): Promise<RoomRecord | null> {
    const { rows } = await this.db.query<Row>(
      `WITH changed AS (UPDATE rooms SET topic = $2 WHERE id = $1 RETURNING *)
       SELECT ${ROOM_COLUMNS} FROM changed r`,
      [roomId, topic],
    );
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async getMembership(roomId: string, userId: string): Promise<MemberRecord | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT m.*, u.username, u.last_seen_at FROM room_members m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1 AND m.user_id = $2`,
      [roomId, userId],
    );
    return rows[0] ? toMember(rows[0]) : null;
  }

  async membershipsOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
    if (roomIds.length === 0) return new Map();
    const { rows } = await this.db.query<Row>(
      `SELECT m.room_id, r.head_seq FROM room_members m JOIN rooms r ON r.id = m.room_id
       WHERE m.user_id = $1 AND m.room_id = ANY($2::uuid[])`,
      [userId, roomIds],
    );
    return new Map(rows.map((r) => [String(r.room_id), Number(r.head_seq)]));
  }

  async membershipsOfMany(asks: readonly MembershipAsk[]): Promise<Map<string, number>[]> {
    const result = asks.map(() => new Map<string, number>());
    const index: number[] = [];
    const users: string[] = [];
    const rooms: string[] = [];
    asks.forEach((ask, i) => {
      for (const roomId of ask.roomIds) {
        index.push(i);
        users.push(ask.userId);
        rooms.push(roomId);
      }
    });
    if (index.length === 0) return result;
    const { rows } = await this.db.query<Row>(
      `SELECT a.i, a.room_id, r.head_seq
       FROM unnest($1::int[], $2::uuid[], $3::uuid[]) AS a(i, user_id, room_id)
       JOIN room_members m ON m.user_id = a.user_id AND m.room_id = a.room_id
       JOIN rooms r ON r.id = a.room_id`,
      [index, users, rooms],
    );
    for (const r of rows) result[Number(r.i)]?.set(String(r.room_id), Number(r.head_seq));
    return result;
  }

  async listMembers(roomId: string): Promise<MemberRecord[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT m.*, u.username, u.last_seen_at FROM room_members m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1 ORDER BY m.joined_at, u.username`,
      [roomId],
    );
    return rows.map(toMember);
  }

  async addMember(m: { roomId: string; userId: string; role: MemberRole; eventId: string }): Promise<StoreResult<RoomEvent>> {
    return this.db.transaction(async (tx) => {
      if ((await lockRoom(tx, m.roomId)) === null) throw new Error(`no room ${m.roomId}`);
      const { rows } = await tx.query(
        `INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (room_id, user_id) DO NOTHING RETURNING user_id`,
        [m.roomId, m.userId, m.role],
      );
      if (rows.length === 0) return { ok: false, conflict: 'already_member' } as const;
      const event = await insertEvent(tx, {
        id: m.eventId,
        roomId: m.roomId,
        kind: 'join',
        senderId: m.userId,
        body: null,
        clientMsgId: null,
      });
      // What was said before they joined is not unread to them: their marker starts at their join.
      await readUpTo(tx, m.userId, m.roomId, event.seq);
      return { ok: true, value: event } as const;
    });
  }

  async removeMember(m: { roomId: string; userId: string; eventId: string; by?: string }): Promise<StoreResult<RoomEvent>> {
    const removal = m.by !== undefined && m.by !== m.userId;
    return this.db.transaction(async (tx) => {
      if ((await lockRoom(tx, m.roomId)) === null) throw new Error(`no room ${m.roomId}`);
      const { rows } = await tx.query('DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 RETURNING user_id', [
        m.roomId,
        m.userId,
      ]);
      if (rows.length === 0) return { ok: false, conflict: 'not_member' } as const;
      const event = await insertEvent(tx, {
        id: m.eventId,
        roomId: m.roomId,
        kind: removal ? 'remove' : 'leave',
        senderId: removal ? (m.by as string) : m.userId,
        body: null,
        clientMsgId: null,
        ...(removal ? { targetId: m.userId } : {}),
      });
      return { ok: true, value: event } as const;
    });
  }

  async findRemoval(roomId: string, userId: string): Promise<RemovalRecord | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT e.seq, e.created_at, e.sender_id, u.username FROM room_events e JOIN users u ON u.id = e.sender_id
        WHERE e.room_id = $1 AND e.target_id = $2 AND e.kind = 'remove'
          AND NOT EXISTS (SELECT 1 FROM room_events l WHERE l.room_id = e.room_id AND l.seq > e.seq AND l.sender_id = $2 AND l.kind IN ('join', 'leave'))
        ORDER BY e.seq DESC LIMIT 1`,
      [roomId, userId],
    );
    const row = rows[0];
    return row ? { seq: Number(row.seq), by: { id: String(row.sender_id), username: String(row.username) }, at: asDate(row.created_at) } : null;
  }

  async directMessagePair(roomId: string): Promise<readonly [string, string] | null> {
    const { rows } = await this.db.query<Row>('SELECT dm_key FROM rooms WHERE id = $1', [roomId]);
    const key = rows[0]?.dm_key;
    if (typeof key !== 'string') return null;
    const [a, b] = key.split(':');
    return a && b ? [a, b] : null;
  }

  async findDmRoom(dmKey: string): Promise<RoomRecord | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.dm_key = $1`, [dmKey]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async createInvite(i: { id: string; roomId: string; tokenHash: string; createdBy: string; expiresAt: Date; maxUses: number }): Promise<InviteRecord> {
    const { rows } = await this.db.query<Row>(
      // The room's head seq dates the invite against removals (see redeemInvite).
      `INSERT INTO invites (id, room_id, token_hash, created_by, expires_at, max_uses, created_seq)
       SELECT $1, $2, $3, $4, $5, $6, head_seq FROM rooms WHERE id = $2 RETURNING *`,
      [i.id, i.roomId, i.tokenHash, i.createdBy, i.expiresAt, i.maxUses],
    );
    return toInvite(rows[0] as Row);
  }

  async listInvites(roomId: string): Promise<InviteRecord[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM invites WHERE room_id = $1 ORDER BY created_at', [roomId]);
    return rows.map(toInvite);
  }

  async revokeInvite(roomId: string, inviteId: string, at: Date): Promise<boolean> {
    const { rows } = await this.db.query(
      'UPDATE invites SET revoked_at = $3 WHERE room_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id',
      [roomId, inviteId, at],
    );
    return rows.length === 1;
  }

  async redeemInvite(r: { tokenHash: string; userId: string; eventId: string; now: Date }): Promise<StoreResult<{ roomId: string; event: RoomEvent | null }>> {
    return this.db.transaction(async (tx) => {
      // The invite's row lock makes concurrent redemptions take turns, so `uses` never overshoots.
      const { rows } = await tx.query<Row>('SELECT * FROM invites WHERE token_hash = $1 FOR UPDATE', [r.tokenHash]);
      const row = rows[0];
      if (!row) return { ok: false, conflict: 'invite_unknown' } as const;
      const invite = toInvite(row);
      if (invite.revokedAt) return { ok: false, conflict: 'invite_revoked' } as const;
      if (invite.expiresAt.getTime() <= r.now.getTime()) return { ok: false, conflict: 'invite_expired' } as const;
      await lockRoom(tx, invite.roomId);
      // An invite into a direct message (an older server made them) lets nobody in, members included.
      const direct = await tx.query('SELECT 1 FROM rooms WHERE id = $1 AND dm_key IS NOT NULL', [invite.roomId]);
      if (direct.rows.length > 0) return { ok: false, conflict: 'direct_message' } as const;
      const member = await tx.query('SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2', [invite.roomId, r.userId]);
      if (member.rows.length > 0) return { ok: true, value: { roomId: invite.roomId, event: null } } as const;
      const removed = await tx.query(
        `SELECT 1 FROM room_events WHERE room_id = $1 AND target_id = $2 AND kind = 'remove' AND seq > $3 LIMIT 1`,
        [invite.roomId, r.userId, row.created_seq ?? 0],
      );
      if (removed.rows.length > 0) return { ok: false, conflict: 'invite_removed' } as const;
      if (invite.uses >= invite.maxUses) return { ok: false, conflict: 'invite_used_up' } as const;
      await tx.query('UPDATE invites SET uses = uses + 1 WHERE id = $1', [invite.id]);
      await tx.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'member')`, [invite.roomId, r.userId]);
      const event = await insertEvent(tx, { id: r.eventId, roomId: invite.roomId, kind: 'join', senderId: r.userId, body: null, clientMsgId: null });
      return { ok: true, value: { roomId: invite.roomId, event } } as const;
    });
  }

  async revokeDevice(userId: string, deviceId: string, at: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query('UPDATE devices SET revoked_at = $3 WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL RETURNING id', [userId, deviceId, at]);
      if (rows.length === 0) return false;
      await tx.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL', [deviceId, at]);
      await tx.query('UPDATE sessions SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL', [deviceId, at]);
      await tx.query('DELETE FROM refresh_successors WHERE family_id IN (SELECT id FROM sessions WHERE device_id = $1)', [deviceId]);
      return true;
    });
  }

  async revokeAllDevices(userId: string, at: Date): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM devices WHERE user_id = $1', [userId]);
      await tx.query('UPDATE devices SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, at]);
      // Through the indexed device and family columns: sessions and tokens by device, successors by family.
      const ids = rows.map((r) => r.id);
      const families = '(SELECT id FROM sessions WHERE device_id = ANY($1::uuid[]))';
      await tx.query(`UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id IN ${families} AND revoked_at IS NULL`, [ids, at]);
      await tx.query('UPDATE sessions SET revoked_at = $2 WHERE device_id = ANY($1::uuid[]) AND revoked_at IS NULL', [ids, at]);
      await tx.query(`DELETE FROM refresh_successors WHERE family_id IN ${families}`, [ids]);
      return ids;
    });
  }

  async setDeviceBundle(deviceId: string, bundle: DeviceBundle): Promise<void> {
    // A bundle with other keys than the cross-signed ones loses the signature (a prekey rotation keeps it).
    await this.db.query(
      `UPDATE devices SET cross_signature = CASE
         WHEN bundle IS NOT NULL AND bundle->>'signingKey' = $3 AND bundle->>'dhKey' = $4 THEN cross_signature END,
         bundle = $2 WHERE id = $1`,
      [deviceId, JSON.stringify(bundle), bundle.signingKey, bundle.dhKey],
    );
  }

  async setUserIdentity(userId: string, identityKey: string, deviceId: string, signature: string, replace = false): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        'UPDATE users SET identity_key = $2 WHERE id = $1 AND (identity_key IS NULL OR identity_key = $2 OR $3) RETURNING id',
        [userId, identityKey, replace],
      );
      if (rows.length === 0) return false;
      await tx.query('UPDATE devices SET cross_signature = $3 WHERE id = $2 AND user_id = $1', [userId, deviceId, signature]);
      return true;
    });
  }

  async getUserIdentity(userId: string): Promise<string | null> {
    const { rows } = await this.db.query<Row>('SELECT identity_key FROM users WHERE id = $1', [userId]);
    return rows[0]?.identity_key ? String(rows[0].identity_key) : null;
  }

  async setDeviceSignature(deviceId: string, signature: string): Promise<void> {
    await this.db.query('UPDATE devices SET cross_signature = $2 WHERE id = $1', [deviceId, signature]);
  }

  async createVerification(v: VerificationRecord, replacedReason: string): Promise<void> {
    const cancelled = JSON.stringify({ step: 'cancelled', reason: replacedReason, cancelledBy: null });
    // Two requests of one device at once: the one that inserts second finds the first's row in the
    // unique index (migration 016) once the first commits, inserts nothing, and goes round again,
    // cancelling it. A few rounds at most: each round one more request of the device has committed.
    for (let attempt = 0; attempt < VERIFICATION_INSERT_ATTEMPTS; attempt++) {
      const inserted = await this.db.transaction(async (tx) => {
        await tx.query(
          `UPDATE device_verifications SET state = state || $2::jsonb, updated_at = now()
           WHERE new_device = $1 AND state->>'step' NOT IN ('done', 'cancelled')`,
          [v.newDevice, cancelled],
        );
        const { rows } = await tx.query<Row>(
          `INSERT INTO device_verifications (id, user_id, new_device, state, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (new_device) WHERE state->>'step' NOT IN ('done', 'cancelled') DO NOTHING RETURNING id`,
          [v.id, v.userId, v.newDevice, JSON.stringify(v.state), v.createdAt],
        );
        return rows.length > 0;
      });
      if (inserted) return;
    }
    throw new ChatError('conflict', 'this device keeps sending requests to be approved at once; send one');
  }

  async findVerification(id: string): Promise<VerificationRecord | null> {
    const { rows } = await this.db.query<Row>('SELECT * FROM device_verifications WHERE id = $1', [id]);
    return rows[0] ? toVerification(rows[0]) : null;
  }

  async listVerifications(userId: string, since: Date, limit: number): Promise<VerificationRecord[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM device_verifications WHERE user_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT $3',
      [userId, since, limit],
    );
    return rows.map(toVerification);
  }

  async listOpenVerifications(userId: string, since: Date): Promise<VerificationRecord[]> {
    const { rows } = await this.db.query<Row>(
      "SELECT * FROM device_verifications WHERE user_id = $1 AND created_at > $2 AND state->>'step' NOT IN ('done', 'cancelled') ORDER BY created_at DESC",
      [userId, since],
    );
    return rows.map(toVerification);
  }

  async advanceVerification(id: string, prev: VerificationState, next: VerificationState): Promise<boolean> {
    const { rows } = await this.db.query<Row>(
      'UPDATE device_verifications SET state = $3, updated_at = now() WHERE id = $1 AND state = $2::jsonb RETURNING id',
      [id, JSON.stringify(prev), JSON.stringify(next)],
    );
    return rows.length > 0;
  }

  async listDevicesOfUsers(userIds: readonly string[]): Promise<DirectoryDeviceRecord[]> {
    if (userIds.length === 0) return [];
    const { rows } = await this.db.query<Row>(
      `SELECT d.id, d.user_id, d.name, d.bundle, d.created_at, d.cross_signature, u.identity_key FROM devices d JOIN users u ON u.id = d.user_id
       WHERE d.user_id = ANY($1::uuid[]) AND d.revoked_at IS NULL AND d.bundle IS NOT NULL ORDER BY d.user_id, d.created_at`,
      [userIds],
    );
    return rows.map((r) => ({
      deviceId: String(r.id),
      userId: String(r.user_id),
      name: String(r.name),
      bundle: parseJson(r.bundle) as DeviceBundle,
      createdAt: asDate(r.created_at),
      crossSignature: r.cross_signature ? String(r.cross_signature) : null,
      identityKey: r.identity_key ? String(r.identity_key) : null,
    }));
  }

  async enqueueShares(shares: readonly Omit<ShareRecord, 'createdAt'>[]): Promise<void> {
    if (shares.length === 0) return;
    await this.db.query(
      `INSERT INTO key_shares (id, recipient_device, room_id, sender_device, share)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::jsonb[])`,
      [shares.map((s) => s.id), shares.map((s) => s.recipientDevice), shares.map((s) => s.roomId), shares.map((s) => s.senderDevice), shares.map((s) => JSON.stringify(s.share))],
    );
  }

  async listShares(deviceId: string, limit: number): Promise<ShareRecord[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM key_shares WHERE recipient_device = $1 ORDER BY created_at, id LIMIT $2', [deviceId, limit]);
    return rows.map(toShare);
  }

  async requestReshare(r: { id: string; roomId: string; requesterUser: string; requesterDevice: string; senderDevice: string; keyId: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO reshare_requests (id, room_id, requester_user, requester_device, sender_device, key_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [r.id, r.roomId, r.requesterUser, r.requesterDevice, r.senderDevice, r.keyId],
    );
  }

  async listReshareRequests(senderDevice: string, limit: number): Promise<ReshareRequestRecord[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM reshare_requests WHERE sender_device = $1 ORDER BY created_at, id LIMIT $2', [senderDevice, limit]);
    return rows.map((r) => ({
      id: String(r.id),
      roomId: String(r.room_id),
      requesterUser: String(r.requester_user),
      requesterDevice: String(r.requester_device),
      senderDevice: String(r.sender_device),
      keyId: String(r.key_id),
      createdAt: asDate(r.created_at),
    }));
  }

  async ackReshareRequests(senderDevice: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('DELETE FROM reshare_requests WHERE sender_device = $1 AND id = ANY($2::uuid[])', [senderDevice, ids]);
  }

  async findKeyBackup(userId: string): Promise<KeyBackupRecord | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT b.version, b.key_check, b.updated_at,
              (SELECT count(*) FROM key_backup_entries e WHERE e.user_id = b.user_id AND e.version = b.version AND e.key_check = b.key_check) AS entries
       FROM key_backups b WHERE b.user_id = $1`,
      [userId],
    );
    const r = rows[0];
    return r ? { version: Number(r.version), keyCheck: String(r.key_check), entries: Number(r.entries), updatedAt: asDate(r.updated_at) } : null;
  }

  async putKeyBackupEntries(userId: string, target: { version: number; keyCheck: string }, entries: readonly Omit<KeyBackupEntryRecord, 'id'>[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // Shares the row a commit locks for update, so no entry lands between a commit's check and its delete.
      const { rows } = await tx.query<Row>('SELECT version, key_check FROM key_backups WHERE user_id = $1 FOR SHARE', [userId]);
      const current = rows[0];
      const currentVersion = current ? Number(current.version) : 0;
      const toCurrent = current !== undefined && target.version === currentVersion && target.keyCheck === String(current.key_check);
      if (!toCurrent && target.version !== currentVersion + 1) return false;
      if (entries.length === 0) return true;
      // One row per (kind, key): an upsert may not touch a row twice in one statement.
      const unique = onePerKey(entries);
      await tx.query(
        `INSERT INTO key_backup_entries AS t (user_id, version, key_check, kind, entry_key, room_id, first_counter, iv, ct)
         SELECT $1::uuid, $2::int, $3::text, * FROM unnest($4::text[], $5::text[], $6::uuid[], $7::int[], $8::text[], $9::text[])
         ON CONFLICT (user_id, version, kind, entry_key) DO UPDATE
           SET key_check = excluded.key_check, room_id = excluded.room_id, first_counter = excluded.first_counter,
               iv = excluded.iv, ct = excluded.ct, updated_at = now()
           WHERE t.kind = 'identity' OR t.key_check <> excluded.key_check OR excluded.first_counter < t.first_counter`,
        [
          userId,
          target.version,
          target.keyCheck,
          unique.map((e) => e.kind),
          unique.map((e) => e.entryKey),
          unique.map((e) => e.roomId),
          unique.map((e) => e.firstCounter),
          unique.map((e) => e.iv),
          unique.map((e) => e.ct),
        ],
      );
      return true;
    });
  }

  async commitKeyBackup(userId: string, next: { version: number; keyCheck: string }, previousVersion: number | null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>('SELECT version FROM key_backups WHERE user_id = $1 FOR UPDATE', [userId]);
      const current = rows[0] ? Number(rows[0].version) : null;
      if (current !== previousVersion || next.version !== (current ?? 0) + 1) return false;
      await tx.query(
        `INSERT INTO key_backups (user_id, version, key_check) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, key_check = excluded.key_check, updated_at = now()`,
        [userId, next.version, next.keyCheck],
      );
      await tx.query('DELETE FROM key_backup_entries WHERE user_id = $1 AND (version <> $2 OR key_check <> $3)', [userId, next.version, next.keyCheck]);
      return true;
    });
  }

  async listKeyBackupEntries(userId: string, after: string | null, limit: number): Promise<KeyBackupEntryRecord[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT e.id, e.kind, e.entry_key, e.room_id, e.first_counter, e.iv, e.ct
       FROM key_backup_entries e JOIN key_backups b ON b.user_id = e.user_id AND b.version = e.version AND b.key_check = e.key_check
       WHERE e.user_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3`,
      [userId, after ?? '0', limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      kind: String(r.kind) as KeyBackupEntryRecord['kind'],
      entryKey: String(r.entry_key),
      roomId: r.room_id === null || r.room_id === undefined ? null : String(r.room_id),
      firstCounter: Number(r.first_counter),
      iv: String(r.iv),
      ct: String(r.ct),
    }));
  }

  async ackShares(deviceId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('DELETE FROM key_shares WHERE recipient_device = $1 AND id = ANY($2::uuid[])', [deviceId, ids]);
  }

  appendMessages(messages: readonly NewMessage[]): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>[]> {
    return this.appendSealed(messages, messages.map((m) => m.envelope));
  }

  /**
   * appendMessages, with the envelope each message's key is read from given apart (`sealed[i]` for
   * `messages[i]`): the MongoDB store hands PostgreSQL a placeholder for the envelope it keeps itself.
   * A private message whose (sender device, keyId, counter) was taken before answers `key_reused`.
   */
  protected async appendSealed(messages: readonly NewMessage[], sealed: readonly (Envelope | null)[]): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>[]> {
    if (messages.length === 0) return [];
    // One round trip: see database/postgres/003_append_messages.sql (012 for the search arguments, 023 for the keys).
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM append_messages($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::jsonb[], $7::tsvector[], $8::smallint, $9::text[], $10::text[], $11::bigint[])',
      [
      messages.map((m) => m.id),
      messages.map((m) => m.roomId),
      messages.map((m) => m.sender.id),
      messages.map((m) => m.clientMsgId),
      messages.map((m) => m.body),
      messages.map((m) => (m.envelope === null ? null : JSON.stringify(m.envelope))),
      // The search terms of each body, made by the client (on the embedded database's thread).
      new SearchTermsOf(messages.map((m) => m.body)),
      SEARCH_TERMS_VERSION,
      sealed.map((e) => e?.senderDevice ?? null),
      sealed.map((e) => e?.keyId ?? null),
      sealed.map((e) => e?.counter ?? null),
    ]);
    if (rows.some((r) => r.outcome === 'no_room')) throw new Error('append to a room that does not exist');
    // A retry without a relation of an id stored with one is not a repeat; asked only when there are repeats.
    const repeats = rows.filter((r) => r.outcome === 'duplicate').map((r) => String(r.event_id));
    const related =
      repeats.length === 0
        ? new Set<string>()
        : new Set((await this.db.query<Row>('SELECT id FROM room_events WHERE id = ANY($1::uuid[]) AND relation_type IS NOT NULL', [repeats])).rows.map((r) => String(r.id)));
    return rows
      .sort((a, b) => Number(a.idx) - Number(b.idx))
      .map((row, i): StoreResult<{ event: RoomEvent; duplicate: boolean }> => {
        const message = messages[i] as NewMessage;
        switch (row.outcome) {
          case 'not_member':
            return { ok: false, conflict: 'not_member' };
          case 'wrong_payload':
            return { ok: false, conflict: 'wrong_payload' };
          case 'key_reused':
            return { ok: false, conflict: 'key_reused' };
          case 'peer_left':
            return { ok: false, conflict: 'peer_left' };
          case 'duplicate':
          case 'appended':
            if (row.outcome === 'duplicate' && related.has(String(row.event_id))) return { ok: false, conflict: 'client_msg_id_reused' };
            return {
              ok: true,
              value: {
                duplicate: row.outcome === 'duplicate',
                event: {
                  id: String(row.event_id),
                  roomId: message.roomId,
                  seq: Number(row.event_seq),
                  kind: 'message',
                  sender: { id: message.sender.id, username: message.sender.username },
                  body: row.event_body === null ? null : String(row.event_body),
                  envelope: row.event_envelope === null ? null : (parseJson(row.event_envelope) as Envelope),
                  target: null,
                  relation: null,
                  clientMsgId: message.clientMsgId,
                  createdAt: asDate(row.event_created_at).toISOString(),
                },
              },
            };
          default:
            throw new Error(`append_messages answered ${String(row.outcome)}`);
        }
      });
  }

  appendRelation(r: NewRelation): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>> {
    return this.appendRelationSealed(r, r.envelope);
  }

  /** appendRelation, with the envelope its key is read from given apart (see {@link appendSealed}). */
  protected appendRelationSealed(r: NewRelation, sealed: Envelope | null): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>> {
    return this.db.transaction(async (tx): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>> => {
      const { rows: roomRows } = await tx.query<Row>('SELECT visibility, dm_key IS NOT NULL AS direct FROM rooms WHERE id = $1 FOR UPDATE', [r.roomId]);
      const room = roomRows[0];
      if (!room) throw new Error(`no room ${r.roomId}`);
      if ((room.visibility === 'open') !== (r.body !== null) || (r.body === null) === (r.envelope === null)) return { ok: false, conflict: 'wrong_payload' };
      const repeat = await tx.query<Row>(`${EVENT_SELECT} WHERE e.room_id = $1 AND e.sender_id = $2 AND e.client_msg_id = $3`, [r.roomId, r.sender.id, r.clientMsgId]);
      if (repeat.rows[0]) {
        const stored = toEvent(repeat.rows[0]);
        // The same id with another relation (or none) is not a retry of this one.
        if (stored.relation?.type !== r.relation.type || stored.relation.eventId !== r.relation.eventId) return { ok: false, conflict: 'client_msg_id_reused' };
        return { ok: true, value: { event: stored, duplicate: true } };
      }
      const member = await tx.query('SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2', [r.roomId, r.sender.id]);
      if (member.rows.length === 0) return { ok: false, conflict: 'not_member' };
      if (room.direct === true) {
        // As append_messages (023): a direct message whose other person left takes nothing, under the room's lock.
        const other = await tx.query('SELECT 1 FROM room_members WHERE room_id = $1 AND user_id <> $2', [r.roomId, r.sender.id]);
        if (other.rows.length === 0) return { ok: false, conflict: 'peer_left' };
      }
      const { rows } = await tx.query<Row>('SELECT room_id, seq, sender_id, kind, relation_type, redacted_at FROM room_events WHERE id = $1', [r.relation.eventId]);
      const target = rows[0];
      if (!target) return { ok: false, conflict: 'target_missing' };
      if (String(target.room_id) !== r.roomId) return { ok: false, conflict: 'target_other_room' };
      const targetSeq = Number(target.seq);
      if (target.kind !== 'message' || (target.relation_type !== null && target.relation_type !== 'reply')) return { ok: false, conflict: 'target_not_message', targetSeq };
      if (target.redacted_at !== null) return { ok: false, conflict: 'target_deleted', targetSeq };
      if (r.relation.type === 'edit' && String(target.sender_id) !== r.sender.id) return { ok: false, conflict: 'not_author', targetSeq };
      if (r.relation.type === 'reaction') {
        const { rows: counts } = await tx.query<Row>(
          `SELECT count(*) AS total, count(*) FILTER (WHERE sender_id = $2) AS mine, count(*) FILTER (WHERE sender_id = $2 AND body = $3) AS same
           FROM room_events WHERE relates_to = $1 AND relation_type = 'reaction' AND redacted_at IS NULL`,
          [r.relation.eventId, r.sender.id, r.body],
        );
        const c = counts[0] as Row;
        if (Number(c.same) > 0) return { ok: false, conflict: 'already_reacted', targetSeq };
        if (Number(c.mine) >= MAX_REACTIONS_PER_USER || Number(c.total) >= MAX_REACTIONS_PER_MESSAGE) return { ok: false, conflict: 'reaction_limit', targetSeq };
      }
      if (sealed) {
        // One message key per envelope (database/postgres/023_envelope_keys.sql).
        const taken = await tx.query('INSERT INTO envelope_keys (sender_device, key_id, counter, event_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1', [
          sealed.senderDevice,
          sealed.keyId,
          sealed.counter,
          r.id,
        ]);
        if (taken.rows.length === 0) return { ok: false, conflict: 'key_reused' };
      }
      if (r.relation.type === 'edit') {
        await tx.query(`UPDATE room_events SET superseded = true WHERE id = $1 OR (relates_to = $1 AND relation_type = 'edit')`, [r.relation.eventId]);
      }
      const event = await insertEvent(tx, {
        id: r.id,
        roomId: r.roomId,
        kind: 'message',
        senderId: r.sender.id,
        body: r.body,
        envelope: r.envelope,
        clientMsgId: r.clientMsgId,
        relation: r.relation,
      });
      return { ok: true, value: { event, duplicate: false } };
    });
  }

  async deleteMessage(d: NewDeletion): Promise<StoreResult<{ event: RoomEvent; purged: string[] }>> {
    return this.db.transaction(async (tx): Promise<StoreResult<{ event: RoomEvent; purged: string[] }>> => {
      const { rows: roomRows } = await tx.query<Row>('SELECT owner_id, dm_key FROM rooms WHERE id = $1 FOR UPDATE', [d.roomId]);
      const room = roomRows[0];
      if (!room) throw new Error(`no room ${d.roomId}`);
      const member = await tx.query('SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2', [d.roomId, d.by.id]);
      if (member.rows.length === 0) return { ok: false, conflict: 'not_member' };
      const { rows } = await tx.query<Row>('SELECT id, sender_id, kind, relation_type, redacted_at FROM room_events WHERE room_id = $1 AND seq = $2', [d.roomId, d.targetSeq]);
      const target = rows[0];
      if (!target) return { ok: false, conflict: 'target_missing' };
      // An edit is not deleted alone (the message would be left showing no text): edit again, or delete the message.
      if (target.kind !== 'message' || target.relation_type === 'delete' || target.relation_type === 'edit') return { ok: false, conflict: 'target_not_message' };
      if (target.redacted_at !== null) return { ok: false, conflict: 'target_deleted' };
      // The owner may delete anyone's message, but a direct message has no owner (whatever owner_id says).
      const moderator = room.dm_key === null && String(room.owner_id) === d.by.id;
      if (String(target.sender_id) !== d.by.id && !moderator) return { ok: false, conflict: 'not_author' };
      // The message and every edit of it lose their content for good, and their search terms with it.
      const purged = await tx.query<Row>(
        `UPDATE room_events SET body = NULL, envelope = NULL, search = NULL, redacted_at = now()
         WHERE id = $1 OR (relates_to = $1 AND relation_type = 'edit') RETURNING id`,
        [target.id],
      );
      const event = await insertEvent(tx, {
        id: d.id,
        roomId: d.roomId,
        kind: 'message',
        senderId: d.by.id,
        body: null,
        clientMsgId: null,
        relation: { type: 'delete', eventId: String(target.id) },
      });
      return { ok: true, value: { event, purged: purged.rows.map((row) => String(row.id)) } };
    });
  }

  async setReadMarker(userId: string, roomId: string, seq: number): Promise<number> {
    return readUpTo(this.db, userId, roomId, seq);
  }

  async listReadMarkers(userId: string): Promise<Map<string, number>> {
    const { rows } = await this.db.query<Row>('SELECT room_id, seq FROM read_markers WHERE user_id = $1', [userId]);
    return new Map(rows.map((r) => [String(r.room_id), Number(r.seq)]));
  }

  async listEvents(roomId: string, range: EventRange): Promise<RoomEvent[]> {
    if (range.afterSeq !== undefined) {
      const { rows } = await this.db.query<Row>(
        `${EVENT_SELECT} WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq ASC LIMIT $3`,
        [roomId, range.afterSeq, range.limit],
      );
      return rows.map(toEvent);
    }
    const { rows } = await this.db.query<Row>(
      `${EVENT_SELECT} WHERE e.room_id = $1 AND e.seq < $2 ORDER BY e.seq DESC LIMIT $3`,
      [roomId, range.beforeSeq ?? Number.MAX_SAFE_INTEGER, range.limit],
    );
    return rows.map(toEvent).reverse();
  }

  async headSeq(roomId: string): Promise<number> {
    const { rows } = await this.db.query<Row>('SELECT head_seq FROM rooms WHERE id = $1', [roomId]);
    return rows[0] ? Number(rows[0].head_seq) : 0;
  }

  async searchMessages(search: MessageSearch): Promise<SearchHit[]> {
    if (search.roomIds.length === 0) return [];
    const parsed = parseQuery(search.query);
    const all = toTsquery(parsed, 'all');
    if (all === null) return [];
    const exact = toTsquery(parsed, 'exact') as string;
    const parts = toTsquery(parsed, 'parts') as string;
    // Past the deadline the database cancels the statement under way (each pass gets what is left).
    const deadline = search.timeoutMs === undefined ? undefined : Date.now() + search.timeoutMs;
    const run: SearchRun = async (text, params, plan = 'any') => {
      try {
        if (plan === 'any') {
          return (deadline === undefined ? await this.db.query<Row>(text, params) : await this.db.queryWithTimeout<Row>(Math.max(1, deadline - Date.now()), text, params)).rows;
        }
        // Through the GIN index only (see SearchRun): the planner may use neither a plain index scan
        // (room_events_recent newest first) nor a sequential scan, in this transaction alone.
        return await this.db.transaction(async (tx) => {
          await tx.query(
            `SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)${deadline === undefined ? '' : ", set_config('statement_timeout', $1, true)"}`,
            deadline === undefined ? [] : [`${Math.max(1, Math.round(deadline - Date.now()))}ms`],
          );
          return (await tx.query<Row>(text, params)).rows;
        });
      } catch (error) {
        if (isQueryCanceled(error)) throw new ChatError('unavailable', 'search took too long; narrow the query', { cause: error });
        throw error;
      }
    };
    // Candidates in two passes over the GIN index (migration 015), each the newest matches (see
    // newestMatches): whole tokens first (class 3), then, only while those leave the page short (and so
    // are every whole-token match), the newest other matches (parts and stems). An exact match is found
    // however many newer looser ones there are, and the work stays bounded however common the words.
    // Each candidate comes with its class and rank, computed on the row the pass read.
    // The windows are sized from the searched rooms' newest event (one probe of each room's newest seq),
    // not from now: a room searched after a quiet spell would otherwise count the silence in the rate
    // its matches are found at, and reach too far (or find nothing in the first window and read all
    // of the history). Not past the search's own end (`until`), nor past now.
    const clock = (
      await run(
        `SELECT now() AS now, (SELECT max(n.created_at) FROM unnest($1::uuid[]) AS r(id)
           CROSS JOIN LATERAL (SELECT e.created_at FROM room_events e WHERE e.room_id = r.id ORDER BY e.seq DESC LIMIT 1) n) AS newest`,
        [search.roomIds],
      )
    )[0] as Row;
    const now = asDate(clock.now);
    const newest = clock.newest === null || clock.newest === undefined ? now.getTime() : asDate(clock.newest).getTime();
    const windows = { now, anchor: Math.min(now.getTime(), newest, search.until?.getTime() ?? Infinity) };
    const ranking = { exact, parts, all };
    // A phrase's looser matches need its words adjacent too, so they are about as rare as its exact
    // ones: where the whole-token pass reaches the rest of the history, that pass asks the looser query
    // instead, and when it finds fewer than RANKED_CANDIDATES, those are every match of either pass
    // (told apart by their class), and the second pass is not asked.
    const phrase = parsed.groups.some((g) => g.some((i) => i.words.length > 1));
    // Whole-token hits come first, newest first, so the page needs only the newest `offset + limit` of
    // them; the looser ones (parts before stems, each newest first) need RANKED_CANDIDATES, so that a
    // part found in an older message ranks above newer stems.
    const pageEnd = search.limit + search.offset;
    const exactPass = await this.newestMatches(exact, ranking, search, [], windows, run, Math.min(pageEnd, RANKED_CANDIDATES), phrase && all !== exact ? all : undefined);
    const exactHits = exactPass.found;
    const looseHits =
      exactPass.looser ??
      (exactHits.length < pageEnd ? (await this.newestMatches(all, ranking, search, exactHits.map((c) => c.id), windows, run, RANKED_CANDIDATES)).found : []);
    // Ranked by class (every group a whole token, then a part, then a stem), then newest first, then the
    // id: the order `mergeRanked` gives the merged list (so a page of the server's is a slice of it, and
    // the device's index sorts the same way); ts_rank's fraction stays in the score, not in the order.
    // Paged; only the page's rows are read again (text, room, sender), and snippets, the costly part,
    // made for it.
    const ranked = [...exactHits, ...looseHits].sort(
      (x, y) => y.class - x.class || (y.at > x.at ? 1 : y.at < x.at ? -1 : 0) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
    );
    const page = ranked.slice(search.offset, search.offset + search.limit);
    if (page.length === 0) return [];
    // An edit stands for the message it edits: its id, seq and send time, the edit's time as edited_at.
    const rows = await run(
      `SELECT e.id AS hit, coalesce(o.id, e.id) AS id, e.room_id, coalesce(o.seq, e.seq) AS seq, e.sender_id, e.body,
              coalesce(o.created_at, e.created_at) AS created_at, CASE WHEN o.id IS NULL THEN NULL ELSE e.created_at END AS edited_at,
              r.name AS room_name, u.username AS sender_username
       FROM room_events e LEFT JOIN room_events o ON e.relation_type = 'edit' AND o.id = e.relates_to
       JOIN rooms r ON r.id = e.room_id JOIN users u ON u.id = e.sender_id
       WHERE e.id = ANY ($1::uuid[])`,
      [page.map((c) => c.id)],
    );
    const byHit = new Map(rows.map((r) => [String(r.hit), r]));
    return page.flatMap((c) => {
      const r = byHit.get(c.id);
      if (r === undefined) return []; // deleted since the candidate pass
      const body = String(r.body);
      return [{
        roomId: String(r.room_id),
        roomName: String(r.room_name),
        eventId: String(r.id),
        seq: Number(r.seq),
        sender: { id: String(r.sender_id), username: String(r.sender_username) },
        createdAt: asDate(r.created_at).toISOString(),
        ...(r.edited_at === null || r.edited_at === undefined ? {} : { editedAt: asDate(r.edited_at).toISOString() }),
        // The class, then the weighted rank squeezed below 1 (see mergeRanked).
        score: c.class + c.rank / (c.rank + 1),
        // Highlights from the same tokenizer, so a part of a token is marked as such (stems in every
        // language: the database has decided the match, and detecting the language per hit is costly).
        snippet: snippetAround(body, matchText(body, parsed, { language: 'all' })?.ranges ?? []),
      }];
    });
  }

  /**
   * The newest `wanted` searchable messages matching `tsquery` under the search's filters,
   * leaving out `without`, newest first, each with its class and rank (see ginCandidates). Asked window
   * by window, each older than the one before (see SEARCH_WINDOW_FIRST_HOURS), then all of the
   * history (messages without time buckets included), through the GIN index only: the windows'
   * matches are every match newer than the last one's start, so the list is full once they are enough,
   * and each window asks only for as many as are still wanted. `clock.now` is the database's clock,
   * `clock.anchor` (ms since 1970) the searched rooms' newest event (or the search's end): the windows
   * reach back from it, and the rate of matches is counted over the time from it. With `looser` (a
   * `tsquery` matching all that `tsquery` matches and more), the rest of the history is asked for the
   * looser query first: when it has fewer than RANKED_CANDIDATES matches, the answer is every one of
   * them, `found` those of class 3 (`tsquery` is then `ranking.exact`) and `looser` the others.
   */
  private async newestMatches(
    tsquery: string,
    ranking: { exact: string; parts: string; all: string },
    search: MessageSearch,
    without: readonly string[],
    clock: { readonly now: Date; readonly anchor: number },
    run: SearchRun,
    wanted: number,
    looser?: string,
  ): Promise<{ found: Candidate[]; looser?: Candidate[] }> {
    const { now, anchor } = clock;
    const params: unknown[] = [tsquery, search.roomIds];
    const param = (value: unknown) => `$${params.push(value)}`;
    const filters: CandidateFilters = {
      rooms: '$2',
      sender: search.senderId === undefined ? undefined : `${param(search.senderId)}::uuid`,
      since: search.since === undefined ? undefined : `${param(search.since)}::timestamptz`,
      until: search.until === undefined ? undefined : `${param(search.until)}::timestamptz`,
      without: without.length === 0 ? undefined : param(without),
    };
    const rank = { exact: param(ranking.exact), parts: param(ranking.parts), all: param(ranking.all), weights: RANK_WEIGHTS };
    const found: Candidate[] = [];
    let start = windowsEnd(now);
    let hours: number | undefined = SEARCH_WINDOW_FIRST_HOURS;
    for (;;) {
      // Each window is older than the one before (its end that one's start): no match is read twice,
      // and the newest matches are those of the windows asked, then the newest of this one.
      if (hours === undefined) {
        // The rest: all of the history, as many as wanted in all, so that messages without time buckets
        // (stored before migration 015 and not yet converted) are found whenever they were stored; the
        // windows' matches among them (only when the windows found some) come again and count once.
        // The windows have shown the matches to be sparse (none in the first, or too few for a window
        // of days): read through the GIN index, one table page a match, never by walking the messages
        // newest first, which the planner prefers where it thinks a query common, and which read all of
        // them (1 s at 1M) for one it thought common but that matches nothing, such as a word with an
        // excluded word that always comes with it.
        if (looser !== undefined) {
          const every = await run(ginCandidates('$1', filters, RANKED_CANDIDATES, rank), [looser, ...params.slice(1)], 'gin');
          if (every.length < RANKED_CANDIDATES) {
            const candidates = every.map(candidateOf);
            return { found: candidates.filter((c) => c.class === 3), looser: candidates.filter((c) => c.class !== 3) };
          }
        }
        const rows = await run(ginCandidates('$1', filters, wanted, rank), params, 'gin');
        const seen = new Set(found.map((c) => c.id));
        for (const r of rows) if (!seen.has(String(r.id))) found.push(candidateOf(r));
        return { found: found.sort((x, y) => (y.at > x.at ? 1 : y.at < x.at ? -1 : 0)).slice(0, wanted) };
      }
      const windowed = [...params];
      const from = Math.min(start - 3_600_000, windowStart(hours, new Date(anchor)));
      // A window of a day or more, of a query found at under SEARCH_WINDOW_DAY_RATE an hour so far: its
      // partial first and last days by their day lexeme (see SEARCH_WINDOW_DAY_RATE).
      const byDay = found.length > 0 && Math.min(start, anchor) - from >= 86_400_000 && (found.length * 3_600_000) / Math.max(1, anchor - Math.min(start, anchor)) < SEARCH_WINDOW_DAY_RATE;
      const window = { tsquery: `$${windowed.push(timeBuckets(from, start, now, byDay ? 'day' : 'hours'))}`, start: `$${windowed.push(new Date(from))}`, end: `$${windowed.push(new Date(start))}` };
      const rows = await run(ginCandidates('$1', { ...filters, window }, wanted - found.length, rank), windowed);
      found.push(...rows.map(candidateOf));
      if (found.length >= wanted) return { found };
      start = from;
      // The next window from the rate the windows so far found matches at; none found, or a window
      // longer than the rate allows (see SEARCH_WINDOW_MAX_HOURS): the rest.
      const covered: number = Math.max(1, (anchor - from) / 3_600_000);
      const next: number = found.length === 0 ? Infinity : Math.max(2 * covered, (covered * wanted * SEARCH_WINDOW_MARGIN) / found.length);
      hours = next > (found.length < wanted / 4 ? SEARCH_WINDOW_MAX_HOURS : SEARCH_WINDOW_MAX_HOURS_KNOWN) ? undefined : next;
    }
  }

  /**
   * One batch of the re-index the server runs at start; returns how many messages it wrote (0: none
   * left). Resumable: a written message no longer qualifies. First the messages stored before migration
   * 015 (their kinds in weights only, `search_kinds` false) whose terms are of the running tokenizer,
   * newest first: their tsvector is converted in SQL (`search_kinds_in_lexemes`, parts' lexemes marked); then the
   * messages whose terms an older tokenizer wrote (or none: see SEARCH_TERMS_VERSION), tokenized by the
   * client (SearchTermsOf: on the embedded database's thread, else here) and
   * written with one UPDATE ... FROM unnest per batch. A reaction gets no terms (nothing to find), only
   * the version.
   */
  async reindexSearchBatch(limit: number = REINDEX_BATCH): Promise<number> {
    const converted = await this.db.query<Row>(
      `WITH b AS (SELECT id FROM room_events WHERE body IS NOT NULL AND NOT search_kinds AND search_version >= $2 ORDER BY created_at DESC LIMIT $1)
       UPDATE room_events e SET search = search_kinds_in_lexemes(e.search), search_kinds = true FROM b WHERE e.id = b.id RETURNING e.id`,
      [limit, SEARCH_TERMS_VERSION],
    );
    if (converted.rows.length > 0) return converted.rows.length;
    const { rows } = await this.db.query<Row>(
      `SELECT id, body, relation_type FROM room_events WHERE body IS NOT NULL AND search_version < $2
       ORDER BY search_version, id LIMIT $1`,
      [limit, SEARCH_TERMS_VERSION],
    );
    if (rows.length === 0) return 0;
    // Not over a message deleted since it was read (its body gone): its words must not come back.
    await this.db.query(
      `UPDATE room_events e SET search = v.search, search_version = $3, search_kinds = true
       FROM unnest($1::uuid[], $2::tsvector[]) AS v(id, search) WHERE e.id = v.id AND e.body IS NOT NULL`,
      [rows.map((r) => String(r.id)), new SearchTermsOf(rows.map((r) => (r.relation_type === 'reaction' ? null : String(r.body)))), SEARCH_TERMS_VERSION],
    );
    return rows.length;
  }
}

/** A device, its session and the session's first refresh token, on `db` (a transaction). */
async function insertDeviceWithSession(db: SqlExecutor, device: NewDevice & { userId: string }, session: NewSession): Promise<DeviceRecord> {
  const stored = await insertDevice(db, device);
  await insertSession(db, device, session);
  return stored;
}

/** A session of an existing device and its first refresh token. */
async function insertSession(db: SqlExecutor, device: { id: string; userId: string }, session: NewSession): Promise<void> {
  await db.query('INSERT INTO sessions (id, user_id, device_id) VALUES ($1, $2, $3)', [session.id, device.userId, device.id]);
  await db.query('INSERT INTO refresh_tokens (token_hash, family_id, user_id, device_id, expires_at) VALUES ($1, $2, $3, $4, $5)', [
    session.refreshToken.tokenHash,
    session.id,
    device.userId,
    device.id,
    session.refreshToken.expiresAt,
  ]);
}

/**
 * Moves the user's read marker in the room up to `seq` (never back) and answers the marker now stored.
 * Also starts a member's marker at their join (addMember, createRoom): history from before is not unread.
 */
async function readUpTo(db: SqlExecutor, userId: string, roomId: string, seq: number): Promise<number> {
  const { rows } = await db.query<Row>(
    `INSERT INTO read_markers (user_id, room_id, seq) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, room_id) DO UPDATE SET seq = GREATEST(read_markers.seq, EXCLUDED.seq), updated_at = now()
     RETURNING seq`,
    [userId, roomId, seq],
  );
  return Number((rows[0] as Row).seq);
}

/**
 * Key backup entries with one per (kind, key), chosen by the rule a stored entry is replaced by: of a chain's
 * entries the one reaching further back (the lowest `firstCounter`; the first of equals), of identity entries the
 * last. The order of first appearance is kept.
 */
function onePerKey<E extends Omit<KeyBackupEntryRecord, 'id'>>(entries: readonly E[]): E[] {
  const chosen = new Map<string, E>();
  for (const entry of entries) {
    const key = `${entry.kind} ${entry.entryKey}`;
    const held = chosen.get(key);
    if (held === undefined || entry.kind === 'identity' || entry.firstCounter < held.firstCounter) chosen.set(key, entry);
  }
  return [...chosen.values()];
}
