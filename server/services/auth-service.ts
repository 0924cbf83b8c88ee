import { randomUUID } from 'node:crypto';
import { verifyDeviceProof } from '../../shared/crypto/index.js';
import { ChatError, DEVICE_CHALLENGE_TTL_MS, REFRESH_REUSE_GRACE_MS } from '../../shared/protocol/index.js';
import type { DeviceChallenge, LoginRequest, RegisterRequest, ResumeDevice, Session, TokenPair, WsTicket } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl } from '../bus/messages.js';
import type { Cache } from '../cache/cache.js';
import type { DeviceRecord, NewSession, RefreshTokenRecord, Store, UserRecord } from '../store/store.js';
import { uniqueDeviceName } from './device-names.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { AccessClaims, TokenIssuer } from './tokens.js';
import { hashOpaqueToken, newOpaqueToken } from './tokens.js';
import { openSuccessor, sealSuccessor } from './successor-seal.js';

/** Refresh tokens live 30 days from their last rotation. */
export const REFRESH_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** WebSocket tickets live 30 seconds and serve once. */
const TICKET_TTL_MS = 30_000;
/**
 * How long a spent refresh token still answers with the pair it was exchanged for: a client whose
 * answer was lost (a timeout, a dropped connection, a stalled server), or a second tab racing the first,
 * gets the same pair instead of revoking the session. Presenting it after this is reuse, and revokes the
 * family. Shared with clients (REFRESH_REUSE_GRACE_MS, shared/protocol/rest.ts), which ask again within
 * it: it is well over their longest wait for a refresh's answer.
 */
export const REFRESH_GRACE_MS = REFRESH_REUSE_GRACE_MS;

export interface AuthServiceDeps {
  readonly store: Store;
  readonly tokens: TokenIssuer;
  readonly cache: Cache;
  readonly bus: Bus;
  readonly now?: () => number;
}

/**
 * Accounts and sessions: registration, sign-in, refresh-token rotation with reuse detection,
 * sign-out, and one-time WebSocket tickets.
 */
export class AuthService {
  private readonly now: () => number;
  /** Verified against when the username is unknown, so both failures take the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: AuthServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * A new account with its first device and session; the account and device are stored together or
   * not at all. `from`: the client's address, kept as where the device was added.
   */
  async register(req: RegisterRequest, from: string | null = null): Promise<Session> {
    const passwordHash = await hashPassword(req.password);
    const user = { id: randomUUID(), username: req.username };
    const { pair, session } = this.firstPair(user, randomUUID());
    const created = await this.deps.store.createUserWithDevice({ ...user, passwordHash }, { id: session.deviceId, name: req.deviceName ?? 'unnamed device', from }, session);
    if (!created.ok) throw usernameTaken(req.username, created.similarTo);
    return sessionOf(created.value.user, created.value.device, this.stamped(pair));
  }

  /**
   * Signs in with the password: on a new device (announced to the account's other devices, with
   * `from`, the client's address, and the time), or, with `req.resume`, on an existing device of the
   * user that proves it holds its signing key (`resumeDevice`). Throws `invalid_credentials` for a
   * wrong username or password, and what `resumeDevice` throws.
   */
  async login(req: LoginRequest, from: string | null = null): Promise<Session> {
    const user = await this.deps.store.findUserByUsername(req.username);
    if (!user) {
      this.dummyHash ??= hashPassword('not a real password, only a timing equaliser');
      await verifyPassword(await this.dummyHash, req.password);
      throw new ChatError('invalid_credentials', 'wrong username or password');
    }
    if (!(await verifyPassword(user.passwordHash, req.password))) {
      throw new ChatError('invalid_credentials', 'wrong username or password');
    }
    if (req.resume) return this.resumeDevice(user, req.resume, from);
    return this.startSession(user, req.deviceName, from);
  }

  /**
   * A one-time challenge for `deviceId` to sign at its next sign-in (`LoginRequest.resume`), valid
   * DEVICE_CHALLENGE_TTL_MS. Issued for any id without looking it up, so it tells nothing about
   * which devices exist; the sign-in checks everything.
   */
  async deviceChallenge(deviceId: string): Promise<DeviceChallenge> {
    const challenge = newOpaqueToken();
    await this.deps.cache.set(`device-challenge:${hashOpaqueToken(challenge)}`, deviceId, DEVICE_CHALLENGE_TTL_MS);
    return { challenge, expiresAt: new Date(this.now() + DEVICE_CHALLENGE_TTL_MS).toISOString() };
  }

  /**
   * A new session on one of the user's existing devices (the password was checked): the challenge
   * must be one this server issued for that device, unused and unexpired (it is used up now), and the
   * signature must verify under the signing key of the device's published bundle, so neither the
   * password nor a device id alone is enough. Throws `forbidden` for a bad or stale proof, and
   * `not_found` when the user has no such live device with published keys (revoked, or never
   * published): the client then signs in as a new device.
   */
  private async resumeDevice(user: UserRecord, resume: ResumeDevice, from: string | null): Promise<Session> {
    const issuedFor = await this.deps.cache.take(`device-challenge:${hashOpaqueToken(resume.challenge)}`);
    if (issuedFor !== resume.deviceId) throw new ChatError('forbidden', 'the device challenge is unknown, used or expired; sign in again');
    const device = (await this.deps.store.listDevicesOfUsers([user.id])).find((d) => d.deviceId === resume.deviceId);
    if (!device) throw new ChatError('not_found', 'this device is no longer part of the account; sign in as a new device');
    const proof = { userId: user.id, deviceId: device.deviceId, challenge: resume.challenge };
    if (!(await verifyDeviceProof(device.bundle.signingKey, proof, resume.signature))) {
      throw new ChatError('forbidden', 'the device proof does not verify: this is not that device');
    }
    const { pair, session } = this.firstPair(user, device.deviceId);
    const resumed = await this.deps.store.resumeDeviceSession({ id: device.deviceId, userId: user.id, from }, session, new Date(this.now()));
    if (!resumed) throw new ChatError('not_found', 'this device is no longer part of the account; sign in as a new device');
    const out = sessionOf(user, resumed, this.stamped(pair));
    return { ...out, device: { ...out.device, resumed: true } };
  }

  /**
   * Exchanges a refresh token for a new pair. Each token serves once, but for REFRESH_GRACE_MS after
   * it was spent it answers the same pair again (kept sealed under a key derived from the spent token,
   * so any instance can answer it): a lost answer or two tabs refreshing together are harmless.
   * Presenting a spent token after that means it was copied, so the whole family (this session) is
   * revoked and its sockets closed. Throws `session_revoked`.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const { store } = this.deps;
    const spentHash = hashOpaqueToken(refreshToken);
    const record = await store.findRefreshToken(spentHash);
    if (!record) throw new ChatError('session_revoked', 'the session is not known; sign in again');
    if (record.revokedAt) throw new ChatError('session_revoked', 'the session was signed out; sign in again');
    if (record.expiresAt.getTime() <= this.now()) throw new ChatError('session_revoked', 'the session expired; sign in again');
    if (record.usedAt) return this.replayOrRevoke(refreshToken, record);
    const user = await store.findUserById(record.userId);
    if (!user) throw new ChatError('session_revoked', 'the account no longer exists');
    const { pair, next } = this.newPair(user, record.deviceId, record.familyId);
    const at = new Date(this.now());
    const rotated = await store.rotateRefreshToken({
      spentHash,
      at,
      next,
      sealedSuccessor: sealSuccessor(refreshToken, spentHash, pair),
      successorExpiresAt: new Date(at.getTime() + REFRESH_GRACE_MS),
    });
    // Another request spent it first (a second tab): within the grace it answers the same pair.
    if (!rotated) return this.replayOrRevoke(refreshToken, record);
    return this.stamped(pair);
  }

  /** The session (refresh-token family) a refresh token belongs to, or null: what refresh limits count by. */
  async sessionOfRefreshToken(refreshToken: string): Promise<string | null> {
    return (await this.deps.store.findRefreshToken(hashOpaqueToken(refreshToken)))?.familyId ?? null;
  }

  /** Ends the sign-in the refresh token belongs to, and closes its sockets. Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    const record = await this.deps.store.findRefreshToken(hashOpaqueToken(refreshToken));
    if (record) await this.revokeFamily(record.familyId, record.deviceId);
  }

  /** A one-time ticket for a browser's WebSocket upgrade, which cannot carry an Authorization header. */
  async issueWsTicket(claims: AccessClaims): Promise<WsTicket> {
    const ticket = newOpaqueToken();
    await this.deps.cache.set(`ws-ticket:${hashOpaqueToken(ticket)}`, JSON.stringify(claims), TICKET_TTL_MS);
    return { ticket, expiresAt: new Date(this.now() + TICKET_TTL_MS).toISOString() };
  }

  /** The claims of a ticket, consumed; null when unknown, used, expired or from before sessions. */
  async redeemWsTicket(ticket: string): Promise<AccessClaims | null> {
    const value = await this.deps.cache.take(`ws-ticket:${hashOpaqueToken(ticket)}`);
    if (value === null) return null;
    const claims = JSON.parse(value) as Partial<AccessClaims>;
    return typeof claims.sessionId === 'string' && typeof claims.expiresAtMs === 'number' ? (claims as AccessClaims) : null;
  }

  private async startSession(user: UserRecord, deviceName: string | undefined, from: string | null): Promise<Session> {
    const { pair, session } = this.firstPair(user, randomUUID());
    // Two devices asking for one name (two profiles on one computer) get "name (2)": told apart everywhere.
    const taken = (await this.deps.store.listAccountDevices(user.id)).map((d) => d.name);
    const name = uniqueDeviceName(deviceName ?? 'unnamed device', taken);
    const device = await this.deps.store.createDeviceWithSession({ id: session.deviceId, userId: user.id, name, from }, session);
    // The account's other devices are told at once, with where and when (issue 14).
    await publishControl(this.deps.bus, {
      t: 'devices',
      userIds: [user.id],
      added: { deviceId: device.id, name: device.name, createdAt: device.createdAt.toISOString(), from },
    });
    return sessionOf(user, device, this.stamped(pair));
  }

  /**
   * The first pair of a new device's session (today one session per device sign-in: the session is the
   * refresh-token family), and what the store keeps of it.
   */
  private firstPair(user: { id: string; username: string }, deviceId: string): { pair: TokenPair; session: NewSession & { deviceId: string } } {
    const sessionId = randomUUID();
    const { pair, next } = this.newPair(user, deviceId, sessionId);
    return { pair, session: { id: sessionId, deviceId, refreshToken: { tokenHash: next.tokenHash, expiresAt: next.expiresAt } } };
  }

  /** A new pair for the session, and the refresh-token row to store for it (not yet stored). */
  private newPair(user: { id: string; username: string }, deviceId: string, familyId: string): { pair: TokenPair; next: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'> } {
    const refreshToken = newOpaqueToken();
    const next = { tokenHash: hashOpaqueToken(refreshToken), familyId, userId: user.id, deviceId, expiresAt: new Date(this.now() + REFRESH_TTL_MS) };
    const access = this.deps.tokens.signAccess({ userId: user.id, username: user.username, deviceId, sessionId: familyId });
    return { pair: { accessToken: access.token, accessExpiresAt: access.expiresAt.toISOString(), refreshToken }, next };
  }

  /** The pair with the server's clock, so clients decide expiry by it. */
  private stamped(pair: TokenPair): TokenPair {
    return { ...pair, serverTime: new Date(this.now()).toISOString() };
  }

  /** A spent token: the same pair again within the grace window, else reuse, which revokes the family. */
  private async replayOrRevoke(refreshToken: string, record: RefreshTokenRecord): Promise<TokenPair> {
    const sealed = await this.deps.store.findRefreshSuccessor(record.tokenHash, new Date(this.now()));
    const pair = sealed === null ? null : openSuccessor(refreshToken, record.tokenHash, sealed);
    if (pair) return this.stamped(pair);
    await this.revokeFamily(record.familyId, record.deviceId);
    throw new ChatError('session_revoked', 'a refresh token was used twice, so this session was revoked; sign in again');
  }

  private async revokeFamily(familyId: string, deviceId: string): Promise<void> {
    await this.deps.store.revokeTokenFamily(familyId, new Date(this.now()));
    await publishControl(this.deps.bus, { t: 'revoke', deviceId, sessionId: familyId });
  }
}

/** What a sign-in answers: the account, the new device and its first tokens. */
function sessionOf(user: { id: string; username: string }, device: DeviceRecord, tokens: TokenPair): Session {
  return {
    user: { id: user.id, username: user.username },
    device: { id: device.id, name: device.name, createdAt: device.createdAt.toISOString() },
    tokens,
  };
}

/**
 * The error for a username that cannot be registered: taken (whatever its case), or, with
 * `similarTo`, too like that existing name (the same usernameSkeleton, shared/protocol/names.ts).
 * The code is `username_taken` (HTTP 409) either way; the message says which, for every client to show.
 */
function usernameTaken(username: string, similarTo?: string): ChatError {
  if (similarTo === undefined) return new ChatError('username_taken', `the username "${username}" is taken`);
  return new ChatError(
    'username_taken',
    `the username "${username}" is too like "${similarTo}", which is taken: names that differ only in case, in ".", "_" and "-", in 0 for o, or in I, i, l and 1 for one another count as the same name`,
  );
}
