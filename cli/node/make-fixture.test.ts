import { readFile, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'vitest';
import { tempDir } from '../../test/support/binaries.js';
import { E2ESession, MemoryE2EStore } from '../../shared/client/index.js';
import { decryptMessage, encryptMessage, generateDeviceKeys, inboundFromShare, newOutboundChain, shareOf } from '../../shared/crypto/index.js';
import { E2EFileStore } from './e2e-file-store.js';
import { EncryptedFileStore } from './secret-store.js';

it('makes the fixture', async () => {
  void E2ESession; void MemoryE2EStore;
  const home = await tempDir('fx');
  const secrets = new EncryptedFileStore(join(home, 'secrets.enc'), 'fixture passphrase');
  const account = 'fixture:default';
  const store = new E2EFileStore(secrets, account, home);
  const now = 1_790_000_000_000;
  await store.saveDevice(await generateDeviceKeys({ userId: 'user-alice', deviceId: 'dev-alice', extractable: true, now }));
  const room = 'room-1';
  // Alice's own chain: three messages sent, Bob given a share at 0.
  let mine = await newOutboundChain(now, true);
  const given = await shareOf(mine);
  const plaintexts: Record<string, { body: string; sentAt: number }> = {};
  for (let i = 0; i < 3; i++) {
    const content = { body: `alice says ${i}`, sentAt: now + i };
    mine = (await encryptMessage(mine, { roomId: room, senderUser: 'user-alice', senderDevice: 'dev-alice', clientMsgId: `a-${i}` }, content)).chain;
    plaintexts[`dev-alice:a-${i}`] = content;
  }
  // Bob's chain: Alice opened message 2 only; 0 and 1 are waiting as skipped keys, 3 not yet seen.
  let bobChain = await newOutboundChain(now, true);
  let inbound = inboundFromShare(await shareOf(bobChain), { roomId: room, senderUser: 'user-bob', senderDevice: 'dev-bob' });
  const envelopes = [];
  for (let i = 0; i < 4; i++) {
    const r = await encryptMessage(bobChain, { roomId: room, senderUser: 'user-bob', senderDevice: 'dev-bob', clientMsgId: `b-${i}` }, { body: `bob says ${i}`, sentAt: now + 10 + i });
    bobChain = r.chain;
    envelopes.push(r.envelope);
  }
  const opened = await decryptMessage(inbound, envelopes[2]!);
  inbound = opened.chain;
  plaintexts['dev-bob:b-2'] = opened.content;
  await store.update(async () => ({
    state: {
      outbound: { [room]: { chain: mine, given: { 'dev-bob': given } } },
      inbound: { [`dev-bob:${inbound.keyId}`]: inbound },
      plaintexts,
      verified: { 'user-bob': ['bob-signing-key'] },
      seen: { 'user-bob': ['bob-signing-key'], 'user-alice': ['alice-signing-key'] },
    },
    result: undefined,
  }));
  const out = join(import.meta.dirname, 'testdata/legacy-e2e');
  await copyFile(join(home, 'secrets.enc'), join(out, 'secrets.enc'));
  await copyFile(join(home, 'e2e-fixture_default.bin'), join(out, 'e2e-fixture_default.bin'));
  const key = await secrets.get(`${account}:state-key`);
  const { SealedFile } = await import('./sealed-file.js');
  const text = await new SealedFile(secrets, `${account}:state-key`, join(home, 'e2e-fixture_default.bin')).read();
  await writeFile(join(out, 'state.json'), JSON.stringify(JSON.parse(text!), null, 1) + '\n');
  await writeFile(join(out, 'bob-envelopes.json'), JSON.stringify(envelopes, null, 1) + '\n');
  void key; void readFile;
});
