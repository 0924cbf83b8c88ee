import type { ChainShare, DeviceKeys, InboundChain, MessageContent, OutboundChain, SealedShare as SealedShareT } from '../crypto/index.js';
import {
  chainIsWornOut,
  decryptMessage,
  encryptMessage,
  formatSafetyNumber,
  generateDeviceKeys,
  inboundFromShare,
  newOutboundChain,
  openShare,
  prekeysOf,
  publicBundle,
  rotatePrekeyIfDue,
  safetyNumber,
  sealShare,
  shareOf,
  verifyBundle,
} from '../crypto/index.js';
import type { DirectoryDevice, Envelope, RoomEvent } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { StoredSession } from './session-store.js';

/**
 * This device's sending chain in one room, and the share each device was given (by device id): a
 * device that lost its share gets exactly the same one again, never an earlier position.
 */
export interface OutboundRecord {
  readonly chain: OutboundChain;
  readonly given: Readonly<Record<string, ChainShare>>;
}

/**
 * An opened message as a device keeps it: the content, the chain position of its envelope, and the
 * event that first showed it. An envelope is shown for one event only; another event carrying it is a
 * replay. The sender's own copy is kept before its event exists: the first event read claims it.
 */
export interface OpenedText extends MessageContent {
  /** The event that first showed this envelope; absent until one is read (or in copies kept before replays were checked). */
  readonly eventId?: string;
  /** The envelope's chain and counter; absent only in copies kept before replays were checked. */
  readonly keyId?: string;
  readonly counter?: number;
}

/** Everything end-to-end a device keeps besides its identity keys. */
export interface E2EState {
  readonly outbound: Readonly<Record<string, OutboundRecord>>;
  /** By `senderDevice:keyId`. */
  readonly inbound: Readonly<Record<string, InboundChain>>;
  /** Opened messages by `senderDevice:clientMsgId`: message keys are deleted once used, so a
   * message can be decrypted only once; this is how it can be shown again. */
  readonly plaintexts: Readonly<Record<string, OpenedText>>;
  /** The device signing keys a user had when this user verified them, by user id. */
  readonly verified: Readonly<Record<string, readonly string[]>>;
  /** The device signing keys last seen per user, to tell about every device change. */
  readonly seen?: Readonly<Record<string, readonly string[]>>;
  /** By `senderDevice:keyId`: when (ms) this device first asked for a chain it is missing; removed once it comes. */
  readonly asked?: Readonly<Record<string, number>>;
}

export const EMPTY_E2E_STATE: E2EState = { outbound: {}, inbound: {}, plaintexts: {}, verified: {}, seen: {} };

/** A member's devices changed since this device last looked: a new device may not be theirs. */
export interface DeviceChange {
  readonly userId: string;
  readonly added: number;
  readonly removed: number;
  /** Whether the user is verified with their current devices. */
  readonly verified: boolean;
}

/**
 * Where a device keeps its keys and state: the OS keychain and an encrypted file for the CLI,
 * IndexedDB for the web client. `update` runs read-modify-write exclusively (several processes of
 * one profile must never reuse a chain position).
 */
export interface E2EStore {
  loadDevice(): Promise<DeviceKeys | null>;
  saveDevice(keys: DeviceKeys): Promise<void>;
  read(): Promise<E2EState>;
  update<T>(fn: (state: E2EState) => Promise<{ state: E2EState; result: T }>): Promise<T>;
}

/**
 * What opening a private-room message gave. `waiting`: the chain's key has not come (this device asked
 * the sender's device for it); `not_shared`: it has not come KEY_WAIT_MS after asking, so the sender
 * did not share it with this device (should it come later, the message opens); `replayed`: the
 * envelope was already shown for another event (`firstEventId`, where known), or another envelope
 * with its message id was; `wrong_room`: the envelope was sealed for another room (`sentIn`).
 */
export type Opened =
  | { readonly status: 'ok'; readonly body: string; readonly sentAt: number }
  | { readonly status: 'waiting' }
  | { readonly status: 'not_shared' }
  | { readonly status: 'replayed'; readonly firstEventId?: string }
  | { readonly status: 'wrong_room'; readonly sentIn: string }
  | { readonly status: 'unreadable'; readonly reason: string };

/**
 * How long (ms) a device waits for a chain it asked the sender's device for before it says the sender
 * did not share it: an online sender answers within seconds, on its next sync.
 */
export const KEY_WAIT_MS = 10 * 60 * 1000;

/** How often (ms) a client that stays open opens its waiting messages again, so they turn to `not_shared` in time. */
export const KEY_RECHECK_MS = KEY_WAIT_MS / 10;

/** How many opened messages a device keeps. */
const MAX_PLAINTEXTS = 20_000;
/** How many missing chains a device remembers asking for. */
const MAX_ASKED = 1_000;
/** Chains kept per sending device: the current one and five older, for late messages. */
const MAX_CHAINS_PER_SENDER = 6;

const sameKeys = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();

export interface E2ESessionOptions {
  readonly api: ApiClient;
  readonly store: E2EStore;
  readonly session: StoredSession;
  /** The CLI exports keys to its keychain; the web client keeps them non-extractable. */
  readonly extractable: boolean;
  readonly now?: () => number;
}

/**
 * End-to-end encryption for one signed-in device: its keys, sharing its sending chains with the
 * devices of each private room (a new chain whenever a device has left), opening what others send,
 * and safety numbers.
 */
export class E2ESession {
  private readonly now: () => number;
  private keys: DeviceKeys | undefined;
  /** Chains this session already asked a re-share for. */
  private readonly requested = new Set<string>();

  constructor(private readonly options: E2ESessionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** This device's keys: made and published on first use, with the signed prekey replaced weekly. */
  async device(): Promise<DeviceKeys> {
    if (this.keys) return this.keys;
    const { store, api, session } = this.options;
    let keys = await store.loadDevice();
    if (!keys || keys.deviceId !== session.deviceId) {
      keys = await generateDeviceKeys({ userId: session.user.id, deviceId: session.deviceId, extractable: this.options.extractable, now: this.now() });
      await store.saveDevice(keys);
      await api.publishBundle(await publicBundle(keys));
    } else {
      const rotated = await rotatePrekeyIfDue(keys, this.now(), this.options.extractable);
      if (rotated !== keys) {
        await store.saveDevice(rotated);
        await api.publishBundle(await publicBundle(rotated));
        keys = rotated;
      }
    }
    this.keys = keys;
    return keys;
  }

  /**
   * Encrypts a message for a private room. Before the first message, after 100 messages or 7 days, and
   * whenever a device that had the chain is no longer in the room, a new chain is made; every device
   * that does not have the current chain gets it in a sealed share. The advanced chain is saved
   * before the envelope is returned.
   */
  async encrypt(roomId: string, body: string, clientMsgId: string): Promise<Envelope> {
    const keys = await this.device();
    const { api, session } = this.options;
    await this.sync();
    const devices = (await api.devicesOfRoom(roomId)).filter((d) => d.deviceId !== keys.deviceId);
    return this.options.store.update(async (state) => {
      const ids = devices.map((d) => d.deviceId);
      let record = state.outbound[roomId];
      const departed = record ? Object.keys(record.given).some((id) => !ids.includes(id)) : false;
      if (!record || departed || chainIsWornOut(record.chain, this.now())) {
        record = { chain: await newOutboundChain(this.now(), this.options.extractable), given: {} };
      }
      const have = record.given;
      const fresh = devices.filter((d) => !have[d.deviceId]);
      if (fresh.length > 0) {
        const share = await shareOf(record.chain);
        const sealed: SealedShareT[] = [];
        for (const d of fresh) sealed.push(await sealShare(keys, await verifyBundle(d.bundle), roomId, share));
        await api.postShares(sealed);
        record = { ...record, given: { ...record.given, ...Object.fromEntries(fresh.map((d) => [d.deviceId, share])) } };
      }
      const content = { body, sentAt: this.now() };
      const { envelope, chain } = await encryptMessage(record.chain, { roomId, senderUser: session.user.id, senderDevice: keys.deviceId, clientMsgId }, content);
      return {
        state: {
          ...state,
          outbound: { ...state.outbound, [roomId]: { chain, given: record.given } },
          plaintexts: capped({ ...state.plaintexts, [`${keys.deviceId}:${clientMsgId}`]: { ...content, keyId: envelope.keyId, counter: envelope.counter } }),
        },
        result: envelope,
      };
    });
  }

  /**
   * Opens a private-room message: from the local copy, or with the sender's chain (fetching shares if
   * needed). Before anything else the envelope's signed room must be the event's room; then an
   * envelope already shown for another event is refused as a replay, before the local copy is used.
   */
  async open(event: RoomEvent): Promise<Opened> {
    const envelope = event.envelope;
    if (!envelope) return { status: 'unreadable', reason: 'not an encrypted message' };
    // The room is signed into the envelope: one sealed for another room is the server replaying it here.
    if (envelope.roomId !== event.roomId) return { status: 'wrong_room', sentIn: envelope.roomId };
    if (envelope.senderUser !== event.sender.id) return { status: 'unreadable', reason: 'the envelope names another sender' };
    const textKey = `${envelope.senderDevice}:${envelope.clientMsgId}`;
    const chainKey = `${envelope.senderDevice}:${envelope.keyId}`;
    const before = await this.options.store.read();
    const known = fromCopy(before.plaintexts[textKey], event, envelope);
    if (known && known !== 'claim') return known;
    if (!known && !before.inbound[chainKey]) await this.sync();
    const result = await this.options.store.update<Opened>(async (state) => {
      const copy = state.plaintexts[textKey];
      const seen = fromCopy(copy, event, envelope);
      if (seen === 'claim') {
        // This event is the first to show the sender's own copy: it owns it from now on.
        const { body, sentAt } = copy as OpenedText;
        const claimed: OpenedText = { body, sentAt, eventId: event.id, keyId: envelope.keyId, counter: envelope.counter };
        return { state: { ...state, plaintexts: { ...state.plaintexts, [textKey]: claimed } }, result: { status: 'ok', body, sentAt } };
      }
      if (seen) return { state, result: seen };
      const chain = state.inbound[chainKey];
      if (!chain) {
        const asked = state.asked?.[chainKey];
        if (asked === undefined) return { state: { ...state, asked: cappedAsked({ ...state.asked, [chainKey]: this.now() }) }, result: { status: 'waiting' } };
        return { state, result: this.now() - asked >= KEY_WAIT_MS ? { status: 'not_shared' } : { status: 'waiting' } };
      }
      try {
        const opened = await decryptMessage(chain, envelope);
        const text: OpenedText = { ...opened.content, eventId: event.id, keyId: envelope.keyId, counter: envelope.counter };
        return {
          state: { ...state, inbound: { ...state.inbound, [chainKey]: opened.chain }, plaintexts: capped({ ...state.plaintexts, [textKey]: text }) },
          result: { status: 'ok', ...opened.content },
        };
      } catch (error) {
        const reason = (error as { code?: string }).code === 'before_share' ? 'sent before this device joined the room' : (error as Error).message;
        return { state, result: { status: 'unreadable', reason } };
      }
    });
    if (result.status === 'waiting' && !this.requested.has(chainKey)) {
      // Ask the sender's device for its share again; it answers when it is next online.
      this.requested.add(chainKey);
      await this.options.api.requestReshare({ roomId: envelope.roomId, senderDevice: envelope.senderDevice, keyId: envelope.keyId }).catch(() => undefined);
    }
    return result;
  }

  /** Opens waiting shares and answers other devices' requests for shares. */
  async sync(): Promise<void> {
    await this.syncShares();
    await this.serveReshares();
  }

  /**
   * Answers requests to share a chain again: a requester that was given a share of this device's
   * current chain in the room, and is still there, gets that same share sealed anew.
   */
  async serveReshares(): Promise<number> {
    const { api } = this.options;
    const requests = await api.reshareRequests();
    if (requests.length === 0) return 0;
    const keys = await this.device();
    const { outbound } = await this.options.store.read();
    const sealed: SealedShareT[] = [];
    const devicesByRoom = new Map<string, DirectoryDevice[]>();
    for (const r of requests) {
      const record = outbound[r.roomId];
      const share = record?.given[r.requesterDevice];
      if (!record || !share || record.chain.keyId !== r.keyId) continue;
      if (!devicesByRoom.has(r.roomId)) devicesByRoom.set(r.roomId, await api.devicesOfRoom(r.roomId).catch(() => []));
      const device = devicesByRoom.get(r.roomId)?.find((d) => d.deviceId === r.requesterDevice);
      if (!device) continue; // no longer in the room
      try {
        sealed.push(await sealShare(keys, await verifyBundle(device.bundle), r.roomId, share));
      } catch {
        // A bundle that does not verify gets nothing.
      }
    }
    if (sealed.length > 0) await api.postShares(sealed).catch(() => undefined);
    await api.ackReshareRequests(requests.map((r) => r.id));
    return sealed.length;
  }

  /** Opens the chain shares waiting for this device and acknowledges them; returns how many opened. */
  async syncShares(): Promise<number> {
    const { api } = this.options;
    const queued = await api.pendingShares();
    if (queued.length === 0) return 0;
    const keys = await this.device();
    const senders = new Map<string, DirectoryDevice[]>();
    const opened: InboundChain[] = [];
    for (const q of queued) {
      const s = q.share;
      if (!senders.has(s.senderUser)) senders.set(s.senderUser, await api.devicesOfUser(s.senderUser).catch(() => []));
      const device = senders.get(s.senderUser)?.find((d) => d.deviceId === s.senderDevice);
      if (!device || device.bundle.userId !== s.senderUser) continue;
      try {
        const share = await openShare(keys, prekeysOf(keys), await verifyBundle(device.bundle), s);
        opened.push(inboundFromShare(share, { roomId: s.roomId, senderUser: s.senderUser, senderDevice: s.senderDevice }));
      } catch {
        // A share that does not open (forged, or for a prekey we no longer hold) is dropped.
      }
    }
    await this.options.store.update(async (state) => {
      let inbound = { ...state.inbound };
      const asked = { ...state.asked };
      for (const chain of opened) {
        const key = `${chain.senderDevice}:${chain.keyId}`;
        // Never move a chain back: an older share would re-open keys already used.
        if (!inbound[key]) inbound[key] = chain;
        inbound = pruneChains(inbound, chain.senderDevice);
        delete asked[key];
      }
      return { state: { ...state, inbound, asked }, result: undefined };
    });
    await api.ackShares(queued.map((q) => q.id));
    return opened.length;
  }

  /** The safety number with another user, and whether it is verified (and still matches). */
  async safetyNumberWith(username: string): Promise<{ userId: string; number: string; verified: boolean; changed: boolean; keys: string[] }> {
    const { api, session } = this.options;
    await this.device();
    const [mine, theirs] = await Promise.all([api.devicesOfUser(session.user.id), api.devicesOfUser(username)]);
    const userId = theirs[0]?.bundle.userId;
    if (!userId) throw new Error(`${username} has no devices with published keys yet`);
    const keys = theirs.map((d) => d.bundle.signingKey);
    const number = formatSafetyNumber(await safetyNumber({ userId: session.user.id, keys: mine.map((d) => d.bundle.signingKey) }, { userId, keys }));
    const verified = (await this.options.store.read()).verified[userId];
    return { userId, number, verified: verified !== undefined && sameKeys(verified, keys), changed: verified !== undefined && !sameKeys(verified, keys), keys };
  }

  /** Marks a user verified with the device keys they have now. */
  async confirm(userId: string, keys: readonly string[]): Promise<void> {
    await this.options.store.update(async (state) => ({ state: { ...state, verified: { ...state.verified, [userId]: [...keys] } }, result: undefined }));
  }

  /**
   * Members of a room whose devices changed since this device last looked (the first look records
   * them without reporting). The server says who has which devices, so every change is shown.
   */
  async deviceChanges(roomId: string): Promise<DeviceChange[]> {
    const byUser = new Map<string, string[]>();
    for (const d of await this.options.api.devicesOfRoom(roomId)) byUser.set(d.bundle.userId, [...(byUser.get(d.bundle.userId) ?? []), d.bundle.signingKey]);
    return this.options.store.update(async (state) => {
      const seen = { ...state.seen };
      const changes: DeviceChange[] = [];
      for (const [userId, keys] of byUser) {
        const before = seen[userId];
        seen[userId] = keys;
        if (!before || userId === this.options.session.user.id || sameKeys(before, keys)) continue;
        const verified = state.verified[userId];
        changes.push({
          userId,
          added: keys.filter((k) => !before.includes(k)).length,
          removed: before.filter((k) => !keys.includes(k)).length,
          verified: verified !== undefined && sameKeys(verified, keys),
        });
      }
      return { state: { ...state, seen }, result: changes };
    });
  }

  /** Users of a room whose device keys changed since this user verified them. */
  async changedVerifiedUsers(roomId: string): Promise<string[]> {
    const { verified } = await this.options.store.read();
    if (Object.keys(verified).length === 0) return [];
    const byUser = new Map<string, string[]>();
    for (const d of await this.options.api.devicesOfRoom(roomId)) byUser.set(d.bundle.userId, [...(byUser.get(d.bundle.userId) ?? []), d.bundle.signingKey]);
    return [...byUser].filter(([userId, keys]) => verified[userId] !== undefined && !sameKeys(verified[userId] as string[], keys)).map(([userId]) => userId);
  }
}

/** Keeps the newest MAX_CHAINS_PER_SENDER chains of one sending device (insertion order is age). */
function pruneChains(inbound: Record<string, InboundChain>, senderDevice: string): Record<string, InboundChain> {
  const mine = Object.keys(inbound).filter((k) => k.startsWith(`${senderDevice}:`));
  if (mine.length <= MAX_CHAINS_PER_SENDER) return inbound;
  const drop = new Set(mine.slice(0, mine.length - MAX_CHAINS_PER_SENDER));
  return Object.fromEntries(Object.entries(inbound).filter(([k]) => !drop.has(k)));
}

function capped(plaintexts: Record<string, OpenedText>): Record<string, OpenedText> {
  const keys = Object.keys(plaintexts);
  if (keys.length <= MAX_PLAINTEXTS) return plaintexts;
  return Object.fromEntries(keys.slice(keys.length - MAX_PLAINTEXTS).map((k) => [k, plaintexts[k] as OpenedText]));
}

function cappedAsked(asked: Record<string, number>): Record<string, number> {
  const keys = Object.keys(asked);
  if (keys.length <= MAX_ASKED) return asked;
  return Object.fromEntries(keys.slice(keys.length - MAX_ASKED).map((k) => [k, asked[k] as number]));
}

/**
 * What the kept copy of an envelope's text says for this event: `ok` when this event showed it first,
 * `replayed` when another event did (or another envelope of the same message id took it), `claim`
 * when no event has shown it yet (the sender's own copy), nothing when there is no copy.
 */
function fromCopy(copy: OpenedText | undefined, event: RoomEvent, envelope: Envelope): Opened | 'claim' | undefined {
  if (!copy) return undefined;
  const first = copy.eventId === undefined ? {} : { firstEventId: copy.eventId };
  if (copy.keyId !== undefined && (copy.keyId !== envelope.keyId || copy.counter !== envelope.counter)) return { status: 'replayed', ...first };
  if (copy.eventId === undefined) return 'claim';
  if (copy.eventId !== event.id) return { status: 'replayed', firstEventId: copy.eventId };
  return { status: 'ok', body: copy.body, sentAt: copy.sentAt };
}
