import type { InboundChain } from '../crypto/index.js';
import { keepSharedChain, rememberAsked, rememberPlaintext } from './e2e-records.js';
import type { E2ETransaction, OpenedText, OutboundRecord } from './e2e-store.js';

/**
 * The whole end-to-end state as one value, the way earlier versions kept it (one sealed file in the
 * CLI, one IndexedDB record in the browser). Read only to move it into a per-record store.
 */
export interface LegacyE2EState {
  readonly outbound: Readonly<Record<string, OutboundRecord>>;
  /** By `senderDevice:keyId`, oldest first per sender. */
  readonly inbound: Readonly<Record<string, InboundChain>>;
  /** By `senderDevice:clientMsgId`, oldest first; with chain position and first event in versions that checked replays. */
  readonly plaintexts: Readonly<Record<string, OpenedText>>;
  readonly verified: Readonly<Record<string, readonly string[]>>;
  readonly seen?: Readonly<Record<string, readonly string[]>>;
  /** By `senderDevice:keyId`, oldest first: when (ms) a missing chain was first asked for. */
  readonly asked?: Readonly<Record<string, number>>;
}

/**
 * Writes an earlier version's state into a transaction, record by record, and marks the store
 * migrated (`meta` `migrated` = 1) so it happens once. Plaintexts (with the chain position and
 * first event replay checks need), chains and the times missing chains were asked for keep their
 * order, so the caps drop the oldest first as before.
 */
export async function migrateLegacyState(tx: E2ETransaction, state: LegacyE2EState): Promise<void> {
  for (const [room, record] of Object.entries(state.outbound)) tx.put('outbound', room, record);
  for (const chain of Object.values(state.inbound)) await keepSharedChain(tx, chain);
  for (const [key, content] of Object.entries(state.plaintexts)) await rememberPlaintext(tx, key, content);
  for (const [userId, keys] of Object.entries(state.verified)) tx.put('verified', userId, [...keys]);
  for (const [userId, keys] of Object.entries(state.seen ?? {})) tx.put('seen', userId, [...keys]);
  for (const [chainKey, at] of Object.entries(state.asked ?? {})) await rememberAsked(tx, chainKey, at);
  tx.put('meta', 'migrated', 1);
}
