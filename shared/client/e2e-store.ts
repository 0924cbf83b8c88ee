import type { ChainShare, DeviceKeys, InboundChain, MessageContent, OutboundChain, UserIdentity } from '../crypto/index.js';
import type { BackedUpChain, Envelope } from '../protocol/index.js';

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
  /** The sender's own envelope, kept while no event has claimed the copy: a retry of the same
   * clientMsgId sends these same bytes again, so whichever the server keeps opens. Dropped once claimed. */
  readonly envelope?: Envelope;
}

/** The backup key a device holds (see `E2ERecordKinds.backupKey`). */
export interface BackupKeyRecord {
  readonly version: number;
  readonly keyCheck: string;
  readonly key: string;
}

/**
 * Every kind of end-to-end record a device keeps, by kind, with what one record holds. Each kind is
 * its own keyspace (`[kind, key]` in every store); a new kind is one more line here, plus a case in
 * e2e-record-codec.ts if its value is not plain JSON. No store needs a schema change for it.
 */
export interface E2ERecordKinds {
  /** An opened message by `senderDevice:clientMsgId`: message keys are deleted once used, so a
   * message can be decrypted only once; this is how it can be shown again. Its chain position and
   * first event tell a replayed copy from the message (replay checks). */
  readonly plaintext: OpenedText;
  /** Which plaintext sits in each slot of the ring that caps how many are kept, by slot number. */
  readonly plaintextSlot: string;
  /** A chain another device sends on, by `senderDevice:keyId`. */
  readonly inbound: InboundChain;
  /** The key ids of a sending device's chains this device keeps, oldest first, by sender device id. */
  readonly senderChains: readonly string[];
  /** This device's sending chain, by room id. */
  readonly outbound: OutboundRecord;
  /** What this user verified of another, by user id: `identity:KEY` (their identity key), or, from
   * before cross-signing, the device signing keys they had then. */
  readonly verified: readonly string[];
  /** The ids of a user's unapproved devices already told about, by user id (`account` for this user's own devices: every device told about). */
  readonly seen: readonly string[];
  /** The user identity key this device trusts for a user, by user id: its own account's (held, or
   * learnt through a device verification), or another user's as first seen (trust on first use). */
  readonly identityPin: string;
  /** This account's identity key, when this device holds it, under the key `me`. */
  readonly identity: UserIdentity;
  /** When (ms, the session's clock) this device first asked for a chain it is missing, by
   * `senderDevice:keyId`; removed once the chain comes. After KEY_WAIT_MS the message is `not_shared`. */
  readonly asked: number;
  /** Which asked record sits in each slot of the ring that caps how many are kept, by slot number. */
  readonly askedSlot: string;
  /** The key of the user's encrypted key backup this device adds to, by `current`: the version, its
   * key check, and the 256-bit backup key derived from the recovery key (base64url; the recovery key
   * itself is never kept). Absent until this device makes or restores the backup. */
  readonly backupKey: BackupKeyRecord;
  /** Chain keys waiting to go into the key backup, by slot of a ring (see `queueForBackup`). */
  readonly backupQueue: BackedUpChain;
  /** Counters and markers: `plaintextNext` and `askedNext` (the next ring positions), `backupNext`
   * and `backupDone` (the next slot of the backup queue, and the first not yet uploaded), `migrated`
   * (1 once an earlier store's state was moved in). */
  readonly meta: number;
}

/** A kind of record. */
export type E2EKind = keyof E2ERecordKinds;

/** Reads and writes of one transaction; writes are seen by later reads of the same transaction. */
export interface E2ETransaction {
  /** The record, or undefined when there is none. */
  get<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined>;
  put<K extends E2EKind>(kind: K, key: string, value: E2ERecordKinds[K]): void;
  delete(kind: E2EKind, key: string): void;
}

/**
 * Where a device keeps its keys and its end-to-end records: the OS keychain and an LMDB database
 * (each record sealed) for the CLI, IndexedDB for the web client, memory for tests. Records are
 * read and written one by one, never as one blob.
 *
 * `transaction` runs exclusively across every process and tab of the device (several must never
 * reuse a chain position): its writes apply all together when `fn` resolves, and none when it
 * throws. `fn` does local work only (crypto, reads, writes) and never waits on the network: the
 * exclusion is held while it runs. Stores throw `ChatError('unavailable')` when the exclusion cannot
 * be had in time or was lost before the writes applied, and `ChatError('internal')` for a record
 * that does not open (damaged, or moved to another key).
 */
export interface E2EStore {
  loadDevice(): Promise<DeviceKeys | null>;
  saveDevice(keys: DeviceKeys): Promise<void>;
  /** One record as last committed, outside any transaction. */
  get<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined>;
  transaction<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T>;
}

/** One write a transaction leaves: a value to put, or `undefined` to delete. */
export interface E2EWrite {
  readonly kind: E2EKind;
  readonly key: string;
  readonly value: E2ERecordKinds[E2EKind] | undefined;
}

/**
 * A transaction that keeps its writes until the store applies them in one go: stores whose native
 * transactions cannot span asynchronous crypto (IndexedDB commits when a task passes with no request
 * open, LMDB's writes are synchronous) read through `read` and then apply `writes()` atomically.
 */
export class BufferedTransaction implements E2ETransaction {
  private readonly pending = new Map<string, E2EWrite>();

  constructor(private readonly read: <K extends E2EKind>(kind: K, key: string) => Promise<E2ERecordKinds[K] | undefined>) {}

  async get<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined> {
    const id = recordId(kind, key);
    if (this.pending.has(id)) return this.pending.get(id)?.value as E2ERecordKinds[K] | undefined;
    return this.read(kind, key);
  }

  put<K extends E2EKind>(kind: K, key: string, value: E2ERecordKinds[K]): void {
    this.pending.set(recordId(kind, key), { kind, key, value });
  }

  delete(kind: E2EKind, key: string): void {
    this.pending.set(recordId(kind, key), { kind, key, value: undefined });
  }

  /** What to apply, in the order first written. */
  writes(): E2EWrite[] {
    return [...this.pending.values()];
  }
}

const recordId = (kind: E2EKind, key: string) => `${kind}\u0000${key}`;
