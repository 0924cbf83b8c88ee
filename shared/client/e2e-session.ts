import type { ChainShare, DeviceKeys, InboundChain, SealedShare as SealedShareT, UserIdentity } from '../crypto/index.js';
import {
  chainIsWornOut,
  decryptMessage,
  encryptMessage,
  exportUserIdentity,
  formatSafetyNumber,
  generateDeviceKeys,
  generateUserIdentity,
  importUserIdentity,
  inboundFromShare,
  newOutboundChain,
  openShare,
  prekeysOf,
  publicBundle,
  rotatePrekeyIfDue,
  safetyNumber,
  sealShare,
  shareOf,
  signDevice,
  verifyBundle,
  verifyDeviceSignature,
} from '../crypto/index.js';
import type { DeviceActivity, DirectoryDevice, Envelope, RoomEvent } from '../protocol/index.js';
import { ChatError } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { backedUpChainOf, inboundKey, keepSharedChain, plaintextKey, queueForBackup, rememberAsked, rememberPlaintext } from './e2e-records.js';
import type { E2EStore, E2ETransaction, OpenedText, OutboundRecord } from './e2e-store.js';
import type { StoredSession } from './session-store.js';

/**
 * Something changed about a member's identity since this device last looked: `identity` (their
 * identity key is not the one first seen: a new identity, perhaps not theirs), `upgrade` (the first
 * identity key of a user verified before cross-signing, whose approved devices are the ones verified:
 * the safety number changed because of the upgrade, not because of an attack), `unapproved` (devices
 * not signed by their identity key, which get nothing from this device).
 */
export type DeviceChange =
  | { readonly userId: string; readonly kind: 'identity'; readonly verified: boolean }
  | { readonly userId: string; readonly kind: 'upgrade' }
  | { readonly userId: string; readonly kind: 'unapproved'; readonly devices: number };

/** How a sign-in that published no encryption keys is labelled, in the TUI, the web and `chat devices` alike. */
export const KEYLESS_LABEL = 'signed in, no encryption keys — cannot read private rooms';

/** A device of this account, as `accountDevices` lists it. */
export interface AccountDevice {
  /**
   * The device as the key directory lists it, or, for a sign-in that published no keys (`keys`
   * false), its id, name and first sign-in time only.
   */
  readonly device: Pick<DirectoryDevice, 'deviceId' | 'name' | 'createdAt'>;
  /**
   * Whether it published encryption keys. A sign-in without them (a password-only session) still
   * reads open rooms and the room list, but no private room: it is listed so the user sees it and
   * can sign it out, and cannot be approved until it publishes keys.
   */
  readonly keys: boolean;
  /**
   * Where and when it signed in and when it was last seen, as the server recorded it (undefined when
   * the server could not say: an older server, or a failed look-up).
   */
  readonly activity?: DeviceActivity | undefined;
  /** Signed by the account's identity key (the one this device trusts). */
  readonly approved: boolean;
  readonly current: boolean;
  /** Not told about on this device before (`accountDevices` records it as told). */
  readonly isNew: boolean;
}

/** Where this device stands with the account's identity. */
export type IdentityStatus =
  /** This device holds the identity key (and signed itself). */
  | 'holder'
  /** Another device approved this one. */
  | 'approved'
  /** Not approved: other members share nothing with it. */
  | 'unapproved';

/** The prefix of a `verified` record's entry that is an identity key (older records list device keys). */
const IDENTITY = 'identity:';

/**
 * What opening a private-room message gave. `waiting`: the chain's key has not come (this device asked
 * the sender's device for it); `not_shared`: it has not come KEY_WAIT_MS after asking, so this device
 * was never given it (should it come later, the message opens); `before_join`: sent before the user
 * (last) joined the room, so no key was ever meant for them; `before_device`: sent before this device
 * signed in, so only the user's key backup can bring its key here; `replayed`: the
 * envelope was already shown for another event (`firstEventId`, where known), or another envelope
 * with its message id was; `wrong_room`: the envelope was sealed for another room (`sentIn`).
 */
export type Opened =
  | { readonly status: 'ok'; readonly body: string; readonly sentAt: number }
  | { readonly status: 'waiting' }
  | { readonly status: 'not_shared' }
  | { readonly status: 'before_join' }
  | { readonly status: 'before_device' }
  | { readonly status: 'replayed'; readonly firstEventId?: string }
  | { readonly status: 'wrong_room'; readonly sentIn: string }
  | { readonly status: 'unreadable'; readonly reason: string };

/**
 * How long (ms) a device waits for a chain it asked the sender's device for before it says it was
 * never given it: an online sender answers within seconds, on its next sync. (Should the key come
 * later after all, the message opens.)
 */
export const KEY_WAIT_MS = 60 * 1000;

/** How often (ms) a client that stays open opens its waiting messages again, so they turn to `not_shared` in time. */
export const KEY_RECHECK_MS = 15 * 1000;

/**
 * When (ms, the server's clock) the user last joined a room and this device signed in, where known:
 * a message from before either can never have been shared with this device.
 */
interface Horizon {
  readonly joinedAt?: number | undefined;
  readonly deviceSince?: number | undefined;
}

/** `fn`'s answer, or `fallback` when it fails (a missing answer only makes a label less precise). */
async function orElse<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch {
    return fallback;
  }
}

/** Turns of `encrypt` before it gives up on a chain other processes keep replacing. */
const MAX_ENCRYPT_TURNS = 3;
/** Messages opened per store transaction, so the lock is never held long. */
const OPEN_BATCH = 100;

const sameKeys = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();

export interface E2ESessionOptions {
  readonly api: ApiClient;
  readonly store: E2EStore;
  readonly session: StoredSession;
  /** The CLI exports keys to its keychain; the web client keeps them non-extractable. */
  readonly extractable: boolean;
  readonly now?: () => number;
  /**
   * Called once with a newly created identity key, still extractable, before it is kept (the key
   * backup writes it here). Where `extractable` is false, the session then keeps a non-extractable
   * copy only.
   */
  readonly onIdentityCreated?: (identity: UserIdentity) => Promise<void>;
  /** The key backup: told to upload once new chain keys are queued for it (its failures do not fail the caller). */
  readonly backup?: { flush(): Promise<unknown> } | undefined;
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
  /** Identity work runs one at a time: two at once would each create an identity, and one would lose. */
  private identityQueue: Promise<void> = Promise.resolve();
  /** Cross-signatures already checked, by key, device keys and signature. */
  private readonly checked = new Map<string, boolean>();
  /** By room id: when the user joined it and this device signed in, looked up once per session. */
  private readonly horizons = new Map<string, Promise<Horizon>>();

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
    const settled = this.identityQueue.then(() => this.settleIdentity(keys));
    this.identityQueue = settled.catch(() => undefined);
    await settled;
    return keys;
  }

  /**
   * Creates the account's identity key if the account has none (the first device after registration
   * or after the upgrade: it signs itself); re-signs this device if it holds the key and its
   * signature is missing. A device without the key stays unapproved until another device approves
   * it (device-approval.ts) or it adopts the key from the backup (`adoptIdentity`).
   */
  private async settleIdentity(keys: DeviceKeys): Promise<void> {
    const { api, store, session } = this.options;
    const mine = await api.devicesOfUser(session.user.id);
    const me = mine.find((d) => d.deviceId === keys.deviceId);
    if (!me) return;
    const serverKey = me.identityKey ?? null;
    const held = await store.get('identity', 'me');
    if (!serverKey) {
      const identity = held ?? (await this.createIdentity());
      try {
        await api.publishIdentity(identity.publicKey, await signDevice(identity, me.bundle));
      } catch (error) {
        // Another device of this account was first: this one waits for approval.
        if ((error as { code?: string }).code === 'conflict' && !held) return;
        throw error;
      }
      await this.keepIdentity(identity);
      return;
    }
    if (held && held.publicKey === serverKey && !(await this.isSigned(serverKey, me))) {
      await api.signDevice(keys.deviceId, await signDevice(held, me.bundle));
    }
  }

  private async createIdentity(): Promise<UserIdentity> {
    const identity = await generateUserIdentity(true);
    await this.options.onIdentityCreated?.(identity);
    return this.options.extractable ? identity : importUserIdentity(await exportUserIdentity(identity), false);
  }

  private async keepIdentity(identity: UserIdentity): Promise<void> {
    await this.options.store.transaction(async (tx) => {
      tx.put('identity', 'me', identity);
      tx.put('identityPin', this.options.session.user.id, identity.publicKey);
    });
  }

  /**
   * Approval with the recovery key: takes the account's identity key (read from the key backup) and
   * signs this device with it. Throws ChatError('conflict') when the key is not the account's
   * identity key as published (a backup of another account or an older identity).
   */
  async adoptIdentity(identity: UserIdentity): Promise<void> {
    const keys = await this.device();
    const { api, session } = this.options;
    const me = (await api.devicesOfUser(session.user.id)).find((d) => d.deviceId === keys.deviceId);
    if (!me) throw new ChatError('unavailable', 'this device has not published its keys yet');
    if (me.identityKey !== identity.publicKey) throw new ChatError('conflict', 'that identity key is not the one this account publishes');
    await api.signDevice(keys.deviceId, await signDevice(identity, me.bundle));
    await this.keepIdentity(identity);
  }

  /**
   * Starts a new identity for the account, signing this device with it: for an account whose every
   * approved device is gone and whose recovery key is lost. Contacts are told that the identity
   * changed. Throws ChatError('conflict') while any device is still signed by the current key.
   */
  async resetIdentity(): Promise<void> {
    const keys = await this.device();
    const { api, session } = this.options;
    const me = (await api.devicesOfUser(session.user.id)).find((d) => d.deviceId === keys.deviceId);
    if (!me) throw new ChatError('unavailable', 'this device has not published its keys yet');
    const identity = await this.createIdentity();
    await api.publishIdentity(identity.publicKey, await signDevice(identity, me.bundle), true);
    await this.keepIdentity(identity);
  }

  /** The account's identity key when this device holds it (for the key backup, and for approving others). */
  async heldIdentity(): Promise<UserIdentity | undefined> {
    await this.device();
    return this.options.store.get('identity', 'me');
  }

  /** Whether this device holds the identity key, was approved by another, or is not approved yet. */
  async identityStatus(): Promise<IdentityStatus> {
    const keys = await this.device();
    if (await this.options.store.get('identity', 'me')) return 'holder';
    const me = (await this.options.api.devicesOfUser(this.options.session.user.id)).find((d) => d.deviceId === keys.deviceId);
    const pin = await this.options.store.get('identityPin', this.options.session.user.id);
    return me && pin && me.identityKey === pin && (await this.isSigned(pin, me)) ? 'approved' : 'unapproved';
  }

  /** Trusts `identityKey` as this account's (learnt through a device verification whose code the user confirmed). */
  async pinOwnIdentity(identityKey: string): Promise<void> {
    await this.options.store.transaction(async (tx) => tx.put('identityPin', this.options.session.user.id, identityKey));
  }

  /**
   * This account's devices, each approved or not under the identity key this device trusts, then its
   * signed-in devices that published no keys (`keys` false, from `GET /keys/devices`); records
   * every device as told, so `isNew` marks each device once (the first listing tells nothing).
   */
  async accountDevices(): Promise<AccountDevice[]> {
    const keys = await this.device();
    const { api, session, store } = this.options;
    const [devices, activity] = await Promise.all([api.devicesOfUser(session.user.id), orElse(() => api.deviceActivity(), [])]);
    const activityOf = new Map(activity.map((a) => [a.deviceId, a]));
    const pin = (await store.get('identityPin', session.user.id)) ?? devices.find((d) => d.identityKey)?.identityKey ?? undefined;
    const told = await store.get('seen', 'account');
    const list: AccountDevice[] = [];
    for (const d of devices) {
      const approved = pin !== undefined && d.identityKey === pin && (await this.isSigned(pin, d));
      const isNew = told !== undefined && !told.includes(d.deviceId) && d.deviceId !== keys.deviceId;
      list.push({ device: d, activity: activityOf.get(d.deviceId), keys: true, approved, current: d.deviceId === keys.deviceId, isNew });
    }
    // Signed-in sessions that published no keys are devices of the account too (issue: invisible sign-ins).
    const keyed = new Set(devices.map((d) => d.deviceId));
    for (const a of activity) {
      if (keyed.has(a.deviceId)) continue;
      const isNew = told !== undefined && !told.includes(a.deviceId) && a.deviceId !== keys.deviceId;
      list.push({ device: { deviceId: a.deviceId, name: a.name, createdAt: a.createdAt }, activity: a, keys: false, approved: false, current: a.deviceId === keys.deviceId, isNew });
    }
    const ids = list.map((d) => d.device.deviceId);
    if (!told || ids.some((id) => !told.includes(id))) await store.transaction(async (tx) => tx.put('seen', 'account', [...new Set([...(told ?? []), ...ids])]));
    return list;
  }

  /** Whether `device` carries a valid cross-signature by `identityKey` (checked once per session). */
  async isSigned(identityKey: string, device: DirectoryDevice): Promise<boolean> {
    const sig = device.crossSignature;
    if (!sig || device.identityKey !== identityKey) return false;
    const id = `${identityKey}|${device.bundle.userId}|${device.deviceId}|${device.bundle.signingKey}|${device.bundle.dhKey}|${sig}`;
    let ok = this.checked.get(id);
    if (ok === undefined) {
      ok = await verifyDeviceSignature(identityKey, device.bundle, sig);
      this.checked.set(id, ok);
    }
    return ok;
  }

  /**
   * The identity key to hold each user's devices to: this account's as this device trusts it (the
   * server's until this device is approved); another user's as the server reports it, the same on
   * every device of theirs, unless it is not the one this user verified (then none: nothing is
   * shared with them until verified again). Undefined: the user has no usable identity.
   */
  private async identityOf(userId: string, devices: readonly DirectoryDevice[]): Promise<string | undefined> {
    const reported = new Set(devices.map((d) => d.identityKey ?? ''));
    const [serverKey] = reported;
    if (reported.size !== 1 || !serverKey) return undefined; // none, or not the same on every device: a lying server
    const { store, session } = this.options;
    if (userId === session.user.id) return (await store.get('identityPin', userId)) ?? serverKey;
    const verified = await store.get('verified', userId);
    if (verified?.[0]?.startsWith(IDENTITY) && verified[0] !== IDENTITY + serverKey) return undefined;
    return serverKey;
  }

  /**
   * The devices (of a room, or a user) signed by their user's identity key: the only ones this device
   * shares chains with, or opens shares from. Unsigned devices (not approved by their user, or
   * injected by someone with the password or by the server) get nothing.
   */
  async approvedDevices(devices: readonly DirectoryDevice[]): Promise<DirectoryDevice[]> {
    const byUser = new Map<string, DirectoryDevice[]>();
    for (const d of devices) byUser.set(d.bundle.userId, [...(byUser.get(d.bundle.userId) ?? []), d]);
    const approved: DirectoryDevice[] = [];
    for (const [userId, list] of byUser) {
      const key = await this.identityOf(userId, list);
      if (key === undefined) continue;
      for (const d of list) if (await this.isSigned(key, d)) approved.push(d);
    }
    return approved;
  }

  /**
   * Encrypts a message for a private room. Before the first message, after 100 messages or 7 days, and
   * whenever a device that had the chain is no longer in the room, a new chain is made; every device
   * that does not have the current chain gets it in a sealed share. The advanced chain and the
   * plaintext are saved before the envelope is returned.
   *
   * The room's devices are listed and the shares posted outside any store transaction: a first
   * transaction (needed only when the room has no usable chain) settles which chain to share, the
   * shares go out, and a second records them and takes the next position of that chain — or starts
   * over if another process replaced the chain meanwhile (its shares then stay unused). Throws ChatError('unavailable') after a few such turns.
   *
   * A retry is idempotent: while no event has claimed this device's copy of `clientMsgId`, the same
   * text gets the very envelope made the first time (the server stores one of them, and they are the
   * same bytes); once claimed, a new envelope is made but the copy the event showed is kept. Throws
   * ChatError('conflict') when `clientMsgId` was already used for a different text.
   */
  async encrypt(roomId: string, body: string, clientMsgId: string): Promise<Envelope> {
    const keys = await this.device();
    const { api, session, store } = this.options;
    const textKey = plaintextKey(keys.deviceId, clientMsgId);
    const earlier = sentBefore(await store.get('plaintext', textKey), roomId, body);
    if (earlier) return earlier;
    await this.sync();
    const devices = (await this.approvedDevices(await api.devicesOfRoom(roomId))).filter((d) => d.deviceId !== keys.deviceId);
    const ids = new Set(devices.map((d) => d.deviceId));
    const usable = (record: OutboundRecord | undefined): record is OutboundRecord =>
      record !== undefined && !Object.keys(record.given).some((id) => !ids.has(id)) && !chainIsWornOut(record.chain, this.now());
    let newChain = false;
    for (let turn = 0; turn < MAX_ENCRYPT_TURNS; turn++) {
      const seen = await store.get('outbound', roomId);
      // The usual case needs no transaction here: the second one checks the chain is still this one.
      const record = usable(seen)
        ? seen
        : await store.transaction(async (tx) => {
            const current = await tx.get('outbound', roomId);
            if (usable(current)) return current;
            const fresh: OutboundRecord = { chain: await newOutboundChain(this.now(), this.options.extractable), given: {} };
            tx.put('outbound', roomId, fresh);
            // The user's other devices read this device's messages through the backup too.
            const share = await shareOf(fresh.chain);
            await queueForBackup(tx, { v: 1, roomId, senderUser: session.user.id, senderDevice: keys.deviceId, ...share });
            newChain = true;
            return fresh;
          });
      const lacking = devices.filter((d) => !record.given[d.deviceId]);
      const given: Record<string, ChainShare> = {};
      if (lacking.length > 0) {
        const share = await shareOf(record.chain);
        const sealed: SealedShareT[] = [];
        for (const d of lacking) {
          sealed.push(await sealShare(keys, await verifyBundle(d.bundle), roomId, share));
          given[d.deviceId] = share;
        }
        await api.postShares(sealed);
      }
      const envelope = await store.transaction(async (tx) => {
        // Another process may have sent this clientMsgId meanwhile.
        const copy = await tx.get('plaintext', textKey);
        const again = sentBefore(copy, roomId, body);
        if (again) return again;
        const current = await tx.get('outbound', roomId);
        if (!usable(current) || current.chain.keyId !== record.chain.keyId) return undefined;
        const content = { body, sentAt: this.now() };
        const header = { roomId, senderUser: session.user.id, senderDevice: keys.deviceId, clientMsgId };
        const { envelope, chain } = await encryptMessage(current.chain, header, content);
        // A share another process gave meanwhile stays: it is the one that device opened first.
        tx.put('outbound', roomId, { chain, given: { ...given, ...current.given } });
        // An event already showed this message: its copy stays as it was (the server keeps that event).
        if (copy?.eventId !== undefined) return envelope;
        // No event shows it yet: the first event read with this envelope claims the copy.
        await rememberPlaintext(tx, textKey, { ...content, keyId: envelope.keyId, counter: envelope.counter, envelope });
        return envelope;
      });
      if (envelope) {
        if (newChain) await this.flushBackup();
        return envelope;
      }
    }
    throw new ChatError('unavailable', `the sending chain of room ${roomId} kept changing under other chat processes; try again`);
  }

  /**
   * Forgets an envelope the server refused (nothing was stored under it: a direct message whose other
   * person had left, `key_reused`, `forbidden`, …), so that a retry of its clientMsgId is encrypted
   * afresh for the room's devices of then rather than sending these refused bytes again. The kept copy
   * is dropped only while it still holds this very envelope and no event has claimed it. `code`
   * `key_reused` also ends this device's sending chain in the room when the envelope is of it: another
   * copy of this device (a copied CHAT_HOME) advances the same chain, so this one starts a new chain
   * (a fresh key id, shared with every device of the room on the next send, as any new chain is) and
   * the two copies no longer seal with the same message keys. A lost answer (the server may have
   * stored it) must not come here: its retry has to send the same envelope for the server to dedupe.
   */
  async refused(envelope: Envelope, code: string): Promise<void> {
    const keys = await this.device();
    if (envelope.senderDevice !== keys.deviceId) return;
    const { store, session } = this.options;
    const textKey = plaintextKey(keys.deviceId, envelope.clientMsgId);
    let newChain = false;
    await store.transaction(async (tx) => {
      const copy = await tx.get('plaintext', textKey);
      if (copy && copy.eventId === undefined && copy.keyId === envelope.keyId && copy.counter === envelope.counter) tx.delete('plaintext', textKey);
      if (code !== 'key_reused') return;
      const current = await tx.get('outbound', envelope.roomId);
      if (!current || current.chain.keyId !== envelope.keyId) return;
      const fresh: OutboundRecord = { chain: await newOutboundChain(this.now(), this.options.extractable), given: {} };
      tx.put('outbound', envelope.roomId, fresh);
      const share = await shareOf(fresh.chain);
      await queueForBackup(tx, { v: 1, roomId: envelope.roomId, senderUser: session.user.id, senderDevice: keys.deviceId, ...share });
      newChain = true;
    });
    if (newChain) await this.flushBackup();
  }

  /**
   * Opens a private-room message: from the local copy, or with the sender's chain (fetching shares if
   * needed). Before anything else the envelope's signed room must be the event's room; then an
   * envelope already shown for another event is refused as a replay, before the local copy is used.
   */
  async open(event: RoomEvent): Promise<Opened> {
    return (await this.openMany([event]))[0] as Opened;
  }

  /**
   * Opens private-room messages, in order, each as `open` would: refused when sealed for another room
   * or already shown for another event (also an earlier event of the same call), else from its local
   * copy, or with its sender's chain. Shares are fetched once if a chain is missing (outside any store
   * transaction), and the messages not opened before are decrypted and kept in a few transactions
   * rather than one each. A chain still missing after that is asked of its sender once per session;
   * when it has not come KEY_WAIT_MS after the first ask (on this device), the message is `not_shared`.
   */
  async openMany(events: readonly RoomEvent[]): Promise<Opened[]> {
    const { store } = this.options;
    const results: (Opened | undefined)[] = [];
    const todo: { index: number; event: RoomEvent; envelope: Envelope; textKey: string; chainKey: string; claim: boolean }[] = [];
    for (const [index, event] of events.entries()) {
      const envelope = event.envelope;
      if (!envelope) results.push({ status: 'unreadable', reason: 'not an encrypted message' });
      // The room is signed into the envelope: one sealed for another room is the server replaying it here.
      else if (envelope.roomId !== event.roomId) results.push({ status: 'wrong_room', sentIn: envelope.roomId });
      else if (envelope.senderUser !== event.sender.id) results.push({ status: 'unreadable', reason: 'the envelope names another sender' });
      else {
        const textKey = plaintextKey(envelope.senderDevice, envelope.clientMsgId);
        const known = fromCopy(await store.get('plaintext', textKey), event, envelope);
        // A copy no event has claimed yet, or none at all, is settled inside a transaction.
        results.push(known === 'claim' ? undefined : known);
        if (!known || known === 'claim') todo.push({ index, event, envelope, textKey, chainKey: inboundKey(envelope.senderDevice, envelope.keyId), claim: known === 'claim' });
      }
    }
    if (todo.length === 0) return results as Opened[];
    for (const chainKey of new Set(todo.filter((t) => !t.claim).map((t) => t.chainKey))) {
      if (!(await store.get('inbound', chainKey))) {
        await this.sync();
        break;
      }
    }
    const now = this.now();
    const horizons = new Map<string, Horizon>();
    for (const t of todo) if (!t.claim && !horizons.has(t.event.roomId)) horizons.set(t.event.roomId, await this.horizon(t.event.roomId));
    for (let from = 0; from < todo.length; from += OPEN_BATCH) {
      await store.transaction(async (tx) => {
        for (const { index, event, envelope, textKey, chainKey } of todo.slice(from, from + OPEN_BATCH)) {
          results[index] = await openIn(tx, event, envelope, textKey, chainKey, now, horizons.get(event.roomId) ?? {});
        }
      });
    }
    for (const { index, envelope, chainKey } of todo) {
      // Only a message waiting for a key that may yet come is asked for; one from before the user joined or this device signed in is not.
      if (results[index]?.status !== 'waiting' || this.requested.has(chainKey)) continue;
      // Ask the sender's device for its share again; it answers when it is next online.
      this.requested.add(chainKey);
      await this.options.api.requestReshare({ roomId: envelope.roomId, senderDevice: envelope.senderDevice, keyId: envelope.keyId }).catch(() => undefined);
    }
    return results as Opened[];
  }

  /** When the user joined a room and this device signed in (server times), once per room per session. */
  private horizon(roomId: string): Promise<Horizon> {
    let known = this.horizons.get(roomId);
    if (!known) {
      const { api, session } = this.options;
      known = Promise.all([orElse(() => api.members(roomId), []), orElse(() => api.devicesOfUser(session.user.id), [])]).then(([members, devices]) => {
        const joined = members.find((m) => m.user.id === session.user.id)?.joinedAt;
        const since = devices.find((d) => d.deviceId === session.deviceId)?.createdAt;
        return { joinedAt: joined === undefined ? undefined : Date.parse(joined), deviceSince: since === undefined ? undefined : Date.parse(since) };
      });
      this.horizons.set(roomId, known);
    }
    return known;
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
    const { api, store } = this.options;
    const requests = await api.reshareRequests();
    if (requests.length === 0) return 0;
    const keys = await this.device();
    const sealed: SealedShareT[] = [];
    const devicesByRoom = new Map<string, DirectoryDevice[]>();
    for (const r of requests) {
      const record = await store.get('outbound', r.roomId);
      const share = record?.given[r.requesterDevice];
      if (!record || !share || record.chain.keyId !== r.keyId) continue;
      if (!devicesByRoom.has(r.roomId)) devicesByRoom.set(r.roomId, await this.approvedDevices(await api.devicesOfRoom(r.roomId).catch(() => [])));
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
      // A share from a device its user did not approve is not opened (it could be an injected device's).
      if (!senders.has(s.senderUser)) senders.set(s.senderUser, await this.approvedDevices(await api.devicesOfUser(s.senderUser).catch(() => [])));
      const device = senders.get(s.senderUser)?.find((d) => d.deviceId === s.senderDevice);
      if (!device || device.bundle.userId !== s.senderUser) continue;
      try {
        const share = await openShare(keys, prekeysOf(keys), await verifyBundle(device.bundle), s);
        opened.push(inboundFromShare(share, { roomId: s.roomId, senderUser: s.senderUser, senderDevice: s.senderDevice }));
      } catch {
        // A share that does not open (forged, or for a prekey we no longer hold) is dropped.
      }
    }
    if (opened.length > 0) {
      await this.options.store.transaction(async (tx) => {
        for (const chain of opened) {
          if (await keepSharedChain(tx, chain)) await queueForBackup(tx, backedUpChainOf(chain));
          // It came: no longer waited for.
          const key = inboundKey(chain.senderDevice, chain.keyId);
          if ((await tx.get('asked', key)) !== undefined) tx.delete('asked', key);
        }
      });
    }
    await api.ackShares(queued.map((q) => q.id));
    if (opened.length > 0) await this.flushBackup();
    return opened.length;
  }

  /** Uploads queued chain keys to the key backup, if there is one; a failure waits for the next chance. */
  private async flushBackup(): Promise<void> {
    await this.options.backup?.flush().catch(() => undefined);
  }

  /**
   * The safety number with another user, over both users' identity keys (so adding or removing a
   * device never changes it), and whether it is verified (and still matches). `keys` is what
   * `confirm` records. Throws when either user has no identity key yet.
   */
  async safetyNumberWith(username: string): Promise<{ userId: string; number: string; verified: boolean; changed: boolean; keys: string[] }> {
    const { api, session, store } = this.options;
    await this.device();
    const [mine, theirs] = await Promise.all([api.devicesOfUser(session.user.id), api.devicesOfUser(username)]);
    const userId = theirs[0]?.bundle.userId;
    if (!userId) throw new Error(`${username} has no devices with published keys yet`);
    const own = (await store.get('identityPin', session.user.id)) ?? mine.find((d) => d.identityKey)?.identityKey ?? undefined;
    const reported = new Set(theirs.map((d) => d.identityKey ?? ''));
    const [their] = reported;
    if (!own) throw new Error('your account has no identity key yet');
    if (reported.size !== 1 || !their) throw new Error(`${username} has no identity key yet (their client is older), or the server reports several`);
    const number = formatSafetyNumber(await safetyNumber({ userId: session.user.id, keys: [own] }, { userId, keys: [their] }));
    const keys = [IDENTITY + their];
    const verified = await store.get('verified', userId);
    return { userId, number, verified: verified !== undefined && sameKeys(verified, keys), changed: verified !== undefined && !sameKeys(verified, keys), keys };
  }

  /** Marks a user verified with the identity key they have now (`keys` from `safetyNumberWith`). */
  async confirm(userId: string, keys: readonly string[]): Promise<void> {
    await this.options.store.transaction(async (tx) => {
      tx.put('verified', userId, [...keys]);
      const key = keys[0];
      if (key?.startsWith(IDENTITY)) tx.put('identityPin', userId, key.slice(IDENTITY.length));
    });
  }

  /**
   * What changed about a room's members' identities since this device last looked (see
   * DeviceChange); the first look at a user records their identity key without reporting, except
   * that a user verified before cross-signing is told once as `upgrade` (their devices now signed are
   * the ones verified) or left to `changedVerifiedUsers` (they are not).
   */
  async deviceChanges(roomId: string): Promise<DeviceChange[]> {
    const me = this.options.session.user.id;
    const byUser = await this.devicesByUser(roomId);
    const approved = new Set((await this.approvedDevices([...byUser.values()].flat())).map((d) => d.deviceId));
    return this.options.store.transaction(async (tx) => {
      const changes: DeviceChange[] = [];
      for (const [userId, devices] of byUser) {
        if (userId === me) continue;
        const reported = new Set(devices.map((d) => d.identityKey ?? ''));
        const [key] = reported;
        if (reported.size === 1 && key) {
          const pin = await tx.get('identityPin', userId);
          const verified = await tx.get('verified', userId);
          if (pin === undefined) {
            tx.put('identityPin', userId, key);
            if (verified !== undefined && !verified[0]?.startsWith(IDENTITY)) {
              const signed = devices.filter((d) => approved.has(d.deviceId)).map((d) => d.bundle.signingKey);
              if (signed.length > 0 && signed.every((k) => verified.includes(k))) {
                tx.put('verified', userId, [IDENTITY + key]);
                changes.push({ userId, kind: 'upgrade' });
              }
            }
          } else if (pin !== key) {
            tx.put('identityPin', userId, key);
            changes.push({ userId, kind: 'identity', verified: verified !== undefined && sameKeys(verified, [IDENTITY + key]) });
          }
        }
        const unapproved = devices.filter((d) => !approved.has(d.deviceId)).map((d) => d.deviceId);
        const told = (await tx.get('seen', userId)) ?? [];
        const fresh = unapproved.filter((id) => !told.includes(id));
        if (fresh.length > 0) {
          tx.put('seen', userId, [...told.filter((id) => unapproved.includes(id)), ...fresh]);
          changes.push({ userId, kind: 'unapproved', devices: fresh.length });
        }
      }
      return changes;
    });
  }

  /** Users of a room whose identity key is not the one this user verified. */
  async changedVerifiedUsers(roomId: string): Promise<string[]> {
    const changed: string[] = [];
    for (const [userId, devices] of await this.devicesByUser(roomId)) {
      const verified = await this.options.store.get('verified', userId);
      if (verified === undefined) continue;
      const reported = new Set(devices.map((d) => d.identityKey ?? ''));
      const [key] = reported;
      if (reported.size !== 1 || !key || !sameKeys(verified, [IDENTITY + key])) changed.push(userId);
    }
    return changed;
  }

  /** Each member's devices in a room, by user id. */
  private async devicesByUser(roomId: string): Promise<Map<string, DirectoryDevice[]>> {
    const byUser = new Map<string, DirectoryDevice[]>();
    for (const d of await this.options.api.devicesOfRoom(roomId)) byUser.set(d.bundle.userId, [...(byUser.get(d.bundle.userId) ?? []), d]);
    return byUser;
  }
}

/**
 * Opens one message inside a transaction: refused as a replay when its kept copy belongs to another
 * event or envelope, else its kept copy (claimed by this event if no event had it), else with its
 * chain (kept moved on, and the copy kept as this event's). With no chain (or a chain given to this
 * device after the message): `before_join` or `before_device` at once when the message is older than
 * the user's membership or this device (`horizon`); else `waiting`, noting when (`now`, ms) it was
 * first missed, or `not_shared` KEY_WAIT_MS after that.
 */
async function openIn(tx: E2ETransaction, event: RoomEvent, envelope: Envelope, textKey: string, chainKey: string, now: number, horizon: Horizon): Promise<Opened> {
  const copy = await tx.get('plaintext', textKey);
  const seen = fromCopy(copy, event, envelope);
  if (seen === 'claim') {
    // This event is the first to show the sender's own copy: it owns it from now on.
    const { body, sentAt } = copy as OpenedText;
    await rememberPlaintext(tx, textKey, { body, sentAt, eventId: event.id, keyId: envelope.keyId, counter: envelope.counter });
    return { status: 'ok', body, sentAt };
  }
  if (seen) return seen;
  const chain = await tx.get('inbound', chainKey);
  const before = beforeHorizon(event, horizon);
  if (!chain) {
    if (before) return before;
    const asked = await tx.get('asked', chainKey);
    if (asked === undefined) {
      await rememberAsked(tx, chainKey, now);
      return { status: 'waiting' };
    }
    return now - asked >= KEY_WAIT_MS ? { status: 'not_shared' } : { status: 'waiting' };
  }
  try {
    const opened = await decryptMessage(chain, envelope);
    tx.put('inbound', chainKey, opened.chain);
    await rememberPlaintext(tx, textKey, { ...opened.content, eventId: event.id, keyId: envelope.keyId, counter: envelope.counter });
    return { status: 'ok', ...opened.content };
  } catch (error) {
    if ((error as { code?: string }).code !== 'before_share') return { status: 'unreadable', reason: (error as Error).message };
    return before ?? { status: 'before_join' };
  }
}

/** `before_join` / `before_device` when the event is older than the user's membership or this device. */
function beforeHorizon(event: RoomEvent, horizon: Horizon): Opened | undefined {
  const at = Date.parse(event.createdAt);
  if (horizon.joinedAt !== undefined && at < horizon.joinedAt) return { status: 'before_join' };
  if (horizon.deviceSince !== undefined && at < horizon.deviceSince) return { status: 'before_device' };
  return undefined;
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

/**
 * What an earlier send of the same clientMsgId says for sending `body` in `roomId` again: the envelope
 * made then while no event has claimed it, nothing when there is none to reuse. Throws
 * ChatError('conflict') when the id was used for another text or room.
 */
function sentBefore(copy: OpenedText | undefined, roomId: string, body: string): Envelope | undefined {
  if (!copy) return undefined;
  if (copy.body !== body || (copy.envelope !== undefined && copy.envelope.roomId !== roomId)) {
    throw new ChatError('conflict', 'this message id was already used for a different message');
  }
  return copy.eventId === undefined ? copy.envelope : undefined;
}
