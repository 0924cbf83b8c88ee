import { randomUUID } from 'node:crypto';
import { ChatError } from '../../shared/protocol/index.js';
import type { LoginRequest, RegisterRequest, Session, TokenPair, WsTicket } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { Channels } from '../bus/bus.js';
import type { Cache } from '../cache/cache.js';
import type { Store, UserRecord } from '../store/store.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { AccessClaims, TokenIssuer } from './tokens.js';
import { hashOpaqueToken, newOpaqueToken } from './tokens.js';

/** Refresh tokens live 30 days from their last rotation. */
export const REFRESH_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** WebSocket tickets live 30 seconds and serve once. */
const TICKET_TTL_MS = 30_000;

/** A message on the control channel telling every instance to close a device's sockets. */
export interface RevokeNotice {
  readonly t: 'revoke';
  readonly deviceId: string;
}

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

  /** A new account with its first device and session; the account and device are stored together or not at all. */
  async register(req: RegisterRequest): Promise<Session> {
    const passwordHash = await hashPassword(req.password);
    const created = await this.deps.store.createUserWithDevice(
      { id: randomUUID(), username: req.username, passwordHash },
      { id: randomUUID(), name: req.deviceName ?? 'unnamed device' },
    );
    if (!created.ok) throw new ChatError('username_taken', `the username "${req.username}" is taken`);
    const { user, device } = created.value;
    const tokens = await this.issuePair(user, device.id, randomUUID());
    return {
      user: { id: user.id, username: user.username },
      device: { id: device.id, name: device.name, createdAt: device.createdAt.toISOString() },
      tokens,
    };
  }

  async login(req: LoginRequest): Promise<Session> {
    const user = await this.deps.store.findUserByUsername(req.username);
    if (!user) {
      this.dummyHash ??= hashPassword('not a real password, only a timing equaliser');
      await verifyPassword(await this.dummyHash, req.password);
      throw new ChatError('invalid_credentials', 'wrong username or password');
    }
    if (!(await verifyPassword(user.passwordHash, req.password))) {
      throw new ChatError('invalid_credentials', 'wrong username or password');
    }
    return this.startSession(user, req.deviceName);
  }

  /**
   * Exchanges a refresh token for a new pair. Each token serves once: presenting a used one means it
   * was copied, so the whole family (this sign-in) is revoked and its sockets closed.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const { store } = this.deps;
    const record = await store.findRefreshToken(hashOpaqueToken(refreshToken));
    if (!record) throw new ChatError('session_revoked', 'the session is not known; sign in again');
    if (record.revokedAt) throw new ChatError('session_revoked', 'the session was signed out; sign in again');
    if (record.usedAt || !(await store.consumeRefreshToken(record.tokenHash, new Date(this.now())))) {
      await this.revokeFamily(record.familyId, record.deviceId);
      throw new ChatError('session_revoked', 'a refresh token was used twice, so this session was revoked; sign in again');
    }
    if (record.expiresAt.getTime() <= this.now()) throw new ChatError('session_revoked', 'the session expired; sign in again');
    const user = await store.findUserById(record.userId);
    if (!user) throw new ChatError('session_revoked', 'the account no longer exists');
    return this.issuePair(user, record.deviceId, record.familyId);
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

  /** The claims of a ticket, consumed; null when unknown, used or expired. */
  async redeemWsTicket(ticket: string): Promise<AccessClaims | null> {
    const value = await this.deps.cache.take(`ws-ticket:${hashOpaqueToken(ticket)}`);
    return value === null ? null : (JSON.parse(value) as AccessClaims);
  }

  private async startSession(user: UserRecord, deviceName: string | undefined): Promise<Session> {
    const device = await this.deps.store.createDevice({ id: randomUUID(), userId: user.id, name: deviceName ?? 'unnamed device' });
    const tokens = await this.issuePair(user, device.id, randomUUID());
    return {
      user: { id: user.id, username: user.username },
      device: { id: device.id, name: device.name, createdAt: device.createdAt.toISOString() },
      tokens,
    };
  }

  private async issuePair(user: UserRecord, deviceId: string, familyId: string): Promise<TokenPair> {
    const refreshToken = newOpaqueToken();
    await this.deps.store.insertRefreshToken({
      tokenHash: hashOpaqueToken(refreshToken),
      familyId,
      userId: user.id,
      deviceId,
      expiresAt: new Date(this.now() + REFRESH_TTL_MS),
    });
    const access = this.deps.tokens.signAccess({ userId: user.id, username: user.username, deviceId });
    return { accessToken: access.token, accessExpiresAt: access.expiresAt.toISOString(), refreshToken };
  }

  private async revokeFamily(familyId: string, deviceId: string): Promise<void> {
    await this.deps.store.revokeTokenFamily(familyId, new Date(this.now()));
    const notice: RevokeNotice = { t: 'revoke', deviceId };
    await this.deps.bus.publish(Channels.control, JSON.stringify(notice));
  }
}
