import { z } from 'zod';
import {
  API_PREFIX,
  ChatError,
  COOKIE_SESSION_HEADER,
  CreateRoomResult,
  DeviceActivityList,
  DeviceChallenge,
  DirectoryPage,
  ErrorBody,
  ErrorCodeSchema,
  HistoryPage,
  CookieSessionAnswer,
  Me,
  MemberList,
  MembershipResult,
  RoomAnswer,
  RoomList,
  SearchResults,
  SendMessageResult,
  Summary,
  SUMMARY_STREAM,
  SummaryStreamLine,
  Session,
  REFRESH_ANSWER_TIMEOUT_MS,
  REFRESH_LOST_ANSWER_RETRIES,
  TokenPair,
  WsTicket,
} from '../protocol/index.js';
import {
  BackupEntryPage,
  KeyBackupAnswer,
  DeviceList,
  DirectMessageResult,
  InviteCreated,
  InviteList,
  ReshareRequestList,
  ShareList,
  DeleteMessageResult,
  ReadMarker,
  ReadMarkerList,
  Verification,
  VerificationList,
} from '../protocol/index.js';
import type {
  CommitKeyBackup,
  KeyBackupInfo,
  UploadBackupEntries,
  RelatesTo,
  CreateInviteRequest,
  Room,
  CreateRoomRequest,
  DeviceActivity,
  DeviceBundle,
  DirectoryQuery,
  SetTopicRequest,
  DirectoryDevice,
  Envelope,
  Invite,
  Member,
  QueuedReshareRequest,
  QueuedShare,
  RegisterRequest,
  ReshareRequest,
  SealedShare,
  SearchQuery,
  SummaryProvider,
  SummaryRequest,
  VerificationStepRequest,
} from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import { describeRequestFailure, NOT_CONNECTED_CODES, networkErrorCode } from './network-failure.js';
import type { SessionStore, StoredSession } from './session-store.js';

/** The subset of `fetch` the client uses, so Node, browsers and tests can pass their own. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  status: number;
  ok: boolean;
  text(): Promise<string>;
  /** The body as it arrives, for streamed answers; without it the body is read whole. */
  chunks?(): AsyncIterable<string>;
}>;

export interface ApiClientOptions {
  /** e.g. http://localhost:8787 */
  readonly serverUrl: string;
  readonly fetch: FetchLike;
  readonly sessions: SessionStore;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
  /**
   * Browsers: keep the refresh token in the server's HttpOnly cookie, never in JavaScript (the stored
   * session's refreshToken stays empty; refresh and logout send the cookie).
   */
  readonly cookieSession?: boolean;
}

/** Refresh this long before the access token expires, so a request never races its expiry. */
const REFRESH_MARGIN_MS = 30_000;

/**
 * The REST half of the client: typed calls, the session kept in the given store, and access tokens
 * refreshed before they expire (or when the server says they did) without the caller noticing.
 */
/** How `ApiClient.login` signs in again as an existing device: its id, and a signer of the server's challenge. */
export interface DeviceResumer {
  readonly deviceId: string;
  /** Signs the challenge with the device's signing key (shared/crypto signDeviceProof). */
  prove(challenge: string): Promise<string>;
}

export class ApiClient {
  readonly serverUrl: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ApiClientOptions) {
    this.serverUrl = options.serverUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async register(req: RegisterRequest): Promise<Session> {
    return this.startSession('/auth/register', req);
  }

  /**
   * Signs in with the password. Without `resume`, as a new device. With it, as that existing device
   * (after a plain sign-out): asks the server for a one-time challenge, has `resume.prove` sign it
   * with the device's signing key (signDeviceProof), and sends the proof with the password. Throws
   * ChatError: `invalid_credentials`; with `resume`, `not_found` when the device was revoked (sign in
   * as a new device then) and `forbidden` when the proof does not verify.
   */
  async login(req: { username: string; password: string; deviceName?: string }, resume?: DeviceResumer): Promise<Session> {
    if (!resume) return this.startSession('/auth/login', req);
    const { challenge } = await this.call('POST', '/auth/device-challenge', { body: { deviceId: resume.deviceId }, auth: false, schema: DeviceChallenge });
    return this.startSession('/auth/login', { ...req, resume: { deviceId: resume.deviceId, challenge, signature: await resume.prove(challenge) } });
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async logout(): Promise<boolean> {
    const session = await this.options.sessions.load();
    if (!session) return false;
    try {
      await this.call('POST', '/auth/logout', { body: this.refreshBody(session.refreshToken), auth: false, schema: z.unknown() });
    } finally {
      await this.options.sessions.clear();
    }
    return true;
  }

  /** The stored session, or null when signed out. Does not touch the network. */
  session(): Promise<StoredSession | null> {
    return this.options.sessions.load();
  }

  me(): Promise<Me> {
    return this.call('GET', '/me', { schema: Me });
  }

  async rooms(): Promise<Room[]> {
    return (await this.call('GET', '/rooms', { schema: RoomList })).rooms;
  }

  /** A page of the open rooms (see DirectoryPage); pass the page's `next` as `after` for the following one. */
  directory(query: DirectoryQuery = {}): Promise<DirectoryPage> {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    if (query.after !== undefined) params.set('after', query.after);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const search = params.size ? `?${params}` : '';
    return this.call('GET', `/rooms/directory${search}`, { schema: DirectoryPage });
  }

  /** Sets a room's topic (owner only). */
  async setTopic(room: string, topic: string): Promise<Room> {
    return (await this.call('PUT', `/rooms/${roomSegment(room)}/topic`, { body: { topic } satisfies SetTopicRequest, schema: RoomAnswer })).room;
  }

  async room(ref: string): Promise<Room> {
    return (await this.call('GET', `/rooms/${roomSegment(ref)}`, { schema: RoomAnswer })).room;
  }

  createRoom(req: CreateRoomRequest): Promise<CreateRoomResult> {
    return this.call('POST', '/rooms', { body: req, schema: CreateRoomResult });
  }

  join(room: string): Promise<MembershipResult> {
    return this.call('POST', `/rooms/${roomSegment(room)}/join`, { schema: MembershipResult });
  }

  leave(room: string): Promise<MembershipResult> {
    return this.call('POST', `/rooms/${roomSegment(room)}/leave`, { schema: MembershipResult });
  }

  async members(room: string): Promise<Member[]> {
    return (await this.call('GET', `/rooms/${roomSegment(room)}/members`, { schema: MemberList })).members;
  }

  history(room: string, query: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.size > 0 ? `?${params}` : '';
    return this.call('GET', `/rooms/${roomSegment(room)}/messages${qs}`, { schema: HistoryPage });
  }

  /** Full-text search over your open rooms, on the server (private rooms are searched locally). */
  search(query: SearchQuery): Promise<SearchResults> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.call('GET', `/search?${params}`, { schema: SearchResults });
  }

  /**
   * A summary of an open room made by the server; a model can take a while, hence the long timeout.
   * With `stream`, the model's answer goes to `onText` as it is written (after `onStart` names the
   * provider); a cached or offline summary just comes back.
   */
  async summarize(room: string, req: SummaryRequest, stream?: { onStart?: (provider: SummaryProvider) => void; onText: (delta: string) => void }): Promise<Summary> {
    const path = `/rooms/${roomSegment(room)}/summary`;
    if (!stream) return this.call('POST', path, { body: req, schema: Summary, timeoutMs: 300_000 });
    const session = await this.freshSession();
    const res = await this.fetchOnce('POST', path, { accept: SUMMARY_STREAM, 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` }, req, 300_000);
    if (!res.ok) {
      const text = await res.text();
      throw toChatError(res.status, text ? (JSON.parse(text) as unknown) : undefined);
    }
    let summary: Summary | undefined;
    const take = (line: string) => {
      if (!line.trim()) return;
      const parsed = SummaryStreamLine.safeParse(JSON.parse(line));
      if (!parsed.success) throw new ChatError('internal', 'unexpected line in the streamed summary');
      const item = parsed.data;
      if ('provider' in item) stream.onStart?.(item.provider);
      else if ('delta' in item) stream.onText(item.delta);
      else if ('summary' in item) summary = item.summary;
      else throw new ChatError(ErrorCodeSchema.safeParse(item.error.code).success ? (item.error.code as ChatError['code']) : 'internal', item.error.message);
    };
    let pending = '';
    for await (const chunk of res.chunks ? res.chunks() : [await res.text()]) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    }
    take(pending);
    if (!summary) throw new ChatError('internal', 'the streamed summary ended without the summary');
    return summary;
  }

  /**
   * Sends a message over REST. Network failures and 5xx answers are retried with the same
   * clientMsgId, so the message is stored once however often it is tried.
   */
  async send(room: string, body: string, clientMsgId: string, attempts = 5): Promise<SendMessageResult> {
    return this.retrying(attempts, () => this.call('POST', `/rooms/${roomSegment(room)}/messages`, { body: { clientMsgId, body }, schema: SendMessageResult }));
  }

  /**
   * Runs an idempotent request again after network failures and 5xx answers, with backoff. When it
   * gives up, the error thrown is the last one that leaves the outcome unknown (see `neverSent`), so
   * a later refused connection does not hide an earlier attempt that may have been stored.
   */
  private async retrying<T>(attempts: number, request: () => Promise<T>): Promise<T> {
    let uncertain: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        const retriable = error instanceof ChatError && (error.code === 'unavailable' || error.code === 'internal');
        if (retriable && !neverSent(error)) uncertain = error;
        if (!retriable) throw error;
        if (attempt + 1 >= attempts) throw uncertain ?? error;
        await this.sleep(backoffDelay(attempt, this.random, { baseMs: 250, maxMs: 4_000 }));
      }
    }
  }

  /**
   * Sends an edit, reaction or reply (`relatesTo`) with its text (open room) or envelope (private room),
   * retried like `send`: the clientMsgId makes a repeat harmless.
   */
  async sendRelation(room: string, payload: { clientMsgId: string; relatesTo: RelatesTo } & ({ body: string } | { envelope: Envelope }), attempts = 5): Promise<SendMessageResult> {
    return this.retrying(attempts, () => this.call('POST', `/rooms/${roomSegment(room)}/messages`, { body: payload, schema: SendMessageResult }));
  }

  /** Deletes the message at `seq` for good (its author, or the room's owner); answers the delete event's id and seq. */
  deleteMessage(room: string, seq: number): Promise<DeleteMessageResult> {
    return this.call('DELETE', `/rooms/${roomSegment(room)}/messages/${seq}`, { schema: DeleteMessageResult });
  }

  /** Moves this user's read marker in the room up to `seq` (never back); answers the marker stored. */
  setReadMarker(room: string, seq: number): Promise<ReadMarker> {
    return this.call('PUT', `/rooms/${roomSegment(room)}/read-marker`, { body: { seq }, schema: ReadMarker });
  }

  /** This user's read markers, by room id. */
  async readMarkers(): Promise<ReadMarker[]> {
    return (await this.call('GET', '/read-markers', { schema: ReadMarkerList })).markers;
  }

  /** Sends an end-to-end encrypted envelope to a private room (retried like `send`). */
  async sendEnvelope(room: string, envelope: Envelope, attempts = 5): Promise<SendMessageResult> {
    const body = { clientMsgId: envelope.clientMsgId, envelope };
    return this.retrying(attempts, () => this.call('POST', `/rooms/${roomSegment(room)}/messages`, { body, schema: SendMessageResult }));
  }

  createInvite(room: string, req: CreateInviteRequest = {}): Promise<InviteCreated> {
    return this.call('POST', `/rooms/${roomSegment(room)}/invites`, { body: req, schema: InviteCreated });
  }

  async invites(room: string): Promise<Invite[]> {
    return (await this.call('GET', `/rooms/${roomSegment(room)}/invites`, { schema: InviteList })).invites;
  }

  async revokeInvite(room: string, inviteId: string): Promise<void> {
    await this.call('DELETE', `/rooms/${roomSegment(room)}/invites/${encodeURIComponent(inviteId)}`, { schema: z.unknown() });
  }

  /** Joins through an invite: the token, or the whole link the server printed. */
  redeemInvite(tokenOrLink: string): Promise<MembershipResult> {
    const token = tokenOrLink.replace(/^.*\/invite\//, '').replace(/[?#].*$/, '');
    return this.call('POST', `/invites/${encodeURIComponent(token)}/redeem`, { schema: MembershipResult });
  }

  kick(room: string, username: string): Promise<MembershipResult> {
    return this.call('POST', `/rooms/${roomSegment(room)}/kick`, { body: { username }, schema: MembershipResult });
  }

  directMessage(username: string): Promise<DirectMessageResult> {
    return this.call('POST', '/dm', { body: { username }, schema: DirectMessageResult });
  }

  async publishBundle(bundle: DeviceBundle): Promise<void> {
    await this.call('PUT', '/keys/devices/me', { body: { bundle }, schema: z.unknown() });
  }

  /** Sets this account's identity key (once; `reset`: anew, when no device is signed by the old one), with this device's cross-signature by it. `conflict` when the account has another. */
  async publishIdentity(identityKey: string, signature: string, reset = false): Promise<void> {
    await this.call('PUT', '/keys/identity', { body: { identityKey, signature, ...(reset ? { reset } : {}) }, schema: z.unknown() });
  }

  /** Stores a cross-signature of one of this account's devices. */
  async signDevice(deviceId: string, signature: string): Promise<void> {
    await this.call('PUT', `/keys/devices/${encodeURIComponent(deviceId)}/signature`, { body: { signature }, schema: z.unknown() });
  }

  /** This (new) device asks to be approved, committing to its SAS key. */
  startVerification(id: string, commitment: string): Promise<Verification> {
    return this.call('POST', '/keys/verifications', { body: { id, commitment }, schema: Verification });
  }

  /** The account's open device verifications, newest first. */
  async verifications(): Promise<Verification[]> {
    return (await this.call('GET', '/keys/verifications', { schema: VerificationList })).verifications;
  }

  /** One device verification of the account, by id. */
  verification(id: string): Promise<Verification> {
    return this.call('GET', `/keys/verifications/${encodeURIComponent(id)}`, { schema: Verification });
  }

  /** The next step of a device verification (accept, reveal, confirm, cancel). */
  verificationStep(id: string, step: VerificationStepRequest): Promise<Verification> {
    return this.call('POST', `/keys/verifications/${encodeURIComponent(id)}`, { body: step, schema: Verification });
  }

  /**
   * Signs out everywhere: revokes every device of the signed-in user, this one included (sessions
   * end, sockets close with 4001). Throws `forbidden` from a device the account's identity key has
   * not approved.
   */
  async revokeAllDevices(): Promise<void> {
    await this.call('DELETE', '/keys/devices', { schema: z.unknown() });
  }

  async revokeDevice(deviceId: string): Promise<void> {
    await this.call('DELETE', `/keys/devices/${encodeURIComponent(deviceId)}`, { schema: z.unknown() });
  }

  async devicesOfRoom(room: string): Promise<DirectoryDevice[]> {
    return (await this.call('GET', `/rooms/${roomSegment(room)}/devices`, { schema: DeviceList })).devices;
  }

  /** This account's devices with where and when each signed in and was last seen (only the account sees this). */
  async deviceActivity(): Promise<DeviceActivity[]> {
    return (await this.call('GET', '/keys/devices', { schema: DeviceActivityList })).devices;
  }

  async devicesOfUser(username: string): Promise<DirectoryDevice[]> {
    return (await this.call('GET', `/keys/users/${encodeURIComponent(username)}/devices`, { schema: DeviceList })).devices;
  }

  async postShares(shares: SealedShare[]): Promise<void> {
    await this.call('POST', '/keys/shares', { body: { shares }, schema: z.unknown() });
  }

  async pendingShares(): Promise<QueuedShare[]> {
    return (await this.call('GET', '/keys/shares', { schema: ShareList })).shares;
  }

  async ackShares(ids: string[]): Promise<void> {
    await this.call('POST', '/keys/shares/ack', { body: { ids }, schema: z.unknown() });
  }

  async requestReshare(req: ReshareRequest): Promise<void> {
    await this.call('POST', '/keys/reshare-requests', { body: req, schema: z.unknown() });
  }

  async reshareRequests(): Promise<QueuedReshareRequest[]> {
    return (await this.call('GET', '/keys/reshare-requests', { schema: ReshareRequestList })).requests;
  }

  async ackReshareRequests(ids: string[]): Promise<void> {
    await this.call('POST', '/keys/reshare-requests/ack', { body: { ids }, schema: z.unknown() });
  }

  /** This user's encrypted key backup (version, key check, entry count), or null when there is none. */
  async keyBackup(): Promise<KeyBackupInfo | null> {
    return (await this.call('GET', '/keys/backup', { schema: KeyBackupAnswer })).backup;
  }

  /** Makes a new backup version current; ChatError('conflict') when the current one is no longer `previousVersion`. */
  async commitKeyBackup(req: CommitKeyBackup): Promise<KeyBackupInfo> {
    const { backup } = await this.call('PUT', '/keys/backup', { body: req, schema: KeyBackupAnswer });
    if (!backup) throw new ChatError('internal', 'the server answered no backup to a commit');
    return backup;
  }

  /** Adds sealed entries to a backup version; ChatError('conflict') when it is neither the current nor the next one. */
  async uploadBackupEntries(req: UploadBackupEntries): Promise<void> {
    await this.call('POST', '/keys/backup/entries', { body: req, schema: z.unknown() });
  }

  /** One page of the current backup's sealed entries after position `after`. */
  backupEntries(after?: string): Promise<BackupEntryPage> {
    return this.call('GET', `/keys/backup/entries${after === undefined ? '' : `?after=${encodeURIComponent(after)}`}`, { schema: BackupEntryPage });
  }

  /** A one-time ticket for a WebSocket from a browser. */
  wsTicket(): Promise<WsTicket> {
    return this.call('POST', '/auth/ws-ticket', { schema: WsTicket });
  }

  /**
   * A session whose access token is good for a while yet, refreshing it if needed.
   * Throws `unauthorized` when signed out.
   */
  async freshSession(): Promise<StoredSession> {
    const session = await this.options.sessions.load();
    if (!session) throw new ChatError('unauthorized', 'not signed in: run `chat login <user>` first');
    if (this.msUntilRenewal(session) > 0) return session;
    return this.refresh(session.refreshToken);
  }

  /**
   * How long, in ms of this machine's clock, until the session's access token should be renewed
   * (REFRESH_MARGIN_MS before it expires, judged on the server's clock); 0 or less means now.
   */
  msUntilRenewal(session: StoredSession): number {
    return Date.parse(session.accessExpiresAt) - REFRESH_MARGIN_MS - (this.now() + (session.clockOffsetMs ?? 0));
  }

  /**
   * A session with an access token other than `staleAccessToken`, refreshing now unless another
   * caller already did (for a socket the server closed because its token expired). Throws like refresh.
   */
  async renewSession(staleAccessToken: string): Promise<StoredSession> {
    const session = await this.options.sessions.load();
    if (!session) throw new ChatError('unauthorized', 'not signed in: run `chat login <user>` first');
    if (session.accessToken !== staleAccessToken && this.msUntilRenewal(session) > 0) return session;
    return this.refresh(session.refreshToken);
  }

  /**
   * Rotates the refresh token, once across processes: a process that waited finds the work done. Waits
   * REFRESH_ANSWER_TIMEOUT_MS for each answer, and asks again (REFRESH_LOST_ANSWER_RETRIES times) when one
   * was lost, so a server that stalled while answering does not end the session. Throws
   * `session_revoked` (the stored session cleared) or `unavailable`.
   */
  private refresh(staleRefreshToken: string): Promise<StoredSession> {
    return this.options.sessions.exclusive(async () => {
      const current = await this.options.sessions.load();
      if (!current) throw new ChatError('unauthorized', 'not signed in: run `chat login <user>` first');
      if (current.refreshToken !== staleRefreshToken && this.msUntilRenewal(current) > 0) return current;
      let tokens: TokenPair;
      for (let attempt = 0; ; attempt++) {
        try {
          tokens = await this.call('POST', '/auth/refresh', { body: this.refreshBody(current.refreshToken), auth: false, schema: TokenPair, timeoutMs: REFRESH_ANSWER_TIMEOUT_MS });
          break;
        } catch (error) {
          if (error instanceof ChatError && error.code === 'session_revoked') await this.options.sessions.clear();
          // A lost answer (the server may have rotated the token): asked again at once, with the same
          // token, inside the server's REFRESH_REUSE_GRACE_MS, which answers the same pair.
          if (error instanceof ChatError && error.code === 'unavailable' && !neverSent(error) && attempt < REFRESH_LOST_ANSWER_RETRIES) continue;
          throw error;
        }
      }
      const next = this.withTokens(current, tokens);
      await this.options.sessions.save(next);
      return next;
    });
  }

  /** The session with new tokens, and the clock offset the answer's `serverTime` tells. */
  private withTokens<T extends Omit<StoredSession, keyof TokenPair | 'clockOffsetMs'>>(base: T, tokens: TokenPair): StoredSession {
    const { serverTime, ...pair } = tokens;
    const learned = serverTime === undefined ? undefined : Date.parse(serverTime) - this.now();
    const { clockOffsetMs: previous } = base as { clockOffsetMs?: number };
    const offset = learned ?? previous;
    return { user: base.user, deviceId: base.deviceId, ...pair, ...(offset === undefined ? {} : { clockOffsetMs: offset }) };
  }

  /**
   * Browsers: picks up the session the refresh cookie holds (after a reload), or answers null when
   * there is none. Asks `POST /auth/session`, which answers "signed out" as a 200, so a signed-out
   * page load logs no failed request.
   */
  async restoreCookieSession(): Promise<StoredSession | null> {
    const answer = await this.call('POST', '/auth/session', { body: {}, auth: false, schema: CookieSessionAnswer });
    if (!answer.signedIn) return null;
    const { tokens } = answer;
    const me = await this.fetchOnce('GET', '/me', { accept: 'application/json', authorization: `Bearer ${tokens.accessToken}` }, undefined);
    if (!me.ok) return null;
    const { user, deviceId } = Me.parse(JSON.parse(await me.text()));
    const session = this.withTokens({ user, deviceId }, tokens);
    await this.options.sessions.save(session);
    return session;
  }

  private refreshBody(refreshToken: string): object {
    return this.options.cookieSession ? {} : { refreshToken };
  }

  private async startSession(path: string, body: unknown): Promise<Session> {
    const session = await this.call('POST', path, { body, auth: false, schema: Session });
    await this.options.sessions.save(this.withTokens({ user: session.user, deviceId: session.device.id }, session.tokens));
    return session;
  }

  /** One request: JSON in and out, errors rebuilt as ChatError, one retry after an expired token. */
  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    opts: { body?: unknown; schema: S; auth?: boolean; timeoutMs?: number },
  ): Promise<z.infer<S>> {
    const auth = opts.auth ?? true;
    let session = auth ? await this.freshSession() : null;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.options.cookieSession && path.startsWith('/auth/')) headers[COOKIE_SESSION_HEADER] = 'cookie';
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (session) headers.authorization = `Bearer ${session.accessToken}`;
      const res = await this.fetchOnce(method, path, headers, opts.body, opts.timeoutMs);
      let text: string;
      try {
        text = await res.text();
      } catch (error) {
        // The answer was cut off (a timeout, a reset): what the server did is unknown.
        const timeout = opts.timeoutMs ?? this.options.timeoutMs ?? 15_000;
        throw new ChatError('unavailable', describeRequestFailure(error, this.serverUrl, timeout), { cause: error });
      }
      let json: unknown = undefined;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch {
          throw new ChatError('internal', `the server answered ${res.status} with something that is not JSON`);
        }
      }
      if (!res.ok) {
        const error = toChatError(res.status, json);
        if (error.code === 'token_expired' && session && attempt === 0) {
          session = await this.refresh(session.refreshToken);
          continue;
        }
        throw error;
      }
      const parsed = opts.schema.safeParse(json);
      if (!parsed.success) throw new ChatError('internal', `unexpected answer from the server to ${method} ${path}`, { cause: parsed.error });
      return parsed.data;
    }
  }

  private async fetchOnce(method: string, path: string, headers: Record<string, string>, body: unknown, timeoutMs?: number) {
    const url = `${this.serverUrl}${API_PREFIX}${path}`;
    const timeout = timeoutMs ?? this.options.timeoutMs ?? 15_000;
    try {
      return await this.options.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      // Refused at connect: nothing was sent ("cannot reach"). Otherwise (a timeout, a reset) the
      // server may have it ("no answer"). Said in plain words, without the runtime's error code.
      throw new ChatError('unavailable', describeRequestFailure(error, this.serverUrl, timeout), { cause: error });
    }
  }
}

function toChatError(status: number, json: unknown): ChatError {
  const parsed = ErrorBody.safeParse(json);
  if (parsed.success) {
    const code = ErrorCodeSchema.safeParse(parsed.data.error.code);
    return new ChatError(code.success ? code.data : 'internal', parsed.data.error.message, { issues: parsed.data.error.issues });
  }
  if (status === 429) return new ChatError('rate_limited', 'too many requests; wait a little and try again');
  if (status >= 500) return new ChatError('unavailable', `the server answered ${status}`);
  return new ChatError('internal', `the server answered ${status}`);
}

/**
 * Whether a failed request certainly never reached the server: an `unavailable` ChatError whose
 * connection was never made (refused, no such host, unreachable). A timeout, a reset or a 5xx leave
 * the outcome unknown, so this is false for them (and for anything else).
 */
export function neverSent(error: unknown): boolean {
  return error instanceof ChatError && error.code === 'unavailable' && NOT_CONNECTED_CODES.has(networkErrorCode(error.cause) ?? '');
}

/**
 * A room's name or id as one path segment. Throws `invalid_request` for an empty or blank one, which
 * would otherwise address another route (`/rooms//join`) and come back as a confusing answer.
 */
function roomSegment(room: string): string {
  if (room.trim() === '') throw new ChatError('invalid_request', 'give a room: its name (such as general) or id');
  return encodeURIComponent(room);
}
