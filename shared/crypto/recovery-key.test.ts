import { describe, expect, it } from 'vitest';
import { CryptoError } from './errors.js';
import { assertBackupKey, backupKeyCheck, deriveBackupKey, openBackupEntry, sealBackupEntry } from './key-backup.js';
import { newRecoveryKey, parseRecoveryKey, RECOVERY_KEY_CHARS } from './recovery-key.js';

describe('recovery keys', () => {
  it('are 48 characters in twelve groups, read back in any case with look-alike letters and dashes', async () => {
    const key = await newRecoveryKey();
    expect(RECOVERY_KEY_CHARS).toBe(48);
    expect(key.text.split(' ')).toHaveLength(12);
    const typed = key.text.toLowerCase().replace(/1/g, 'l').replace(/0/g, 'o').replace(/ /g, '-');
    expect((await parseRecoveryKey(typed)).secret).toEqual(key.secret);
  });

  it('refuses a key with one character changed or missing, by its checksum', async () => {
    const key = await newRecoveryKey();
    const chars = key.text.replace(/ /g, '');
    const changed = chars.slice(0, 5) + (chars[5] === 'A' ? 'B' : 'A') + chars.slice(6);
    for (const bad of [changed, chars.slice(1), `${chars}Z`, chars.replace(/.$/, 'U')]) {
      await expect(parseRecoveryKey(bad)).rejects.toMatchObject({ name: 'CryptoError', code: 'invalid_recovery_key' });
    }
  });
});

describe('backup entries', () => {
  const labels = { userId: 'u1', version: 1, kind: 'chain', entryKey: 'd:k', roomId: 'r1', firstCounter: 3 };

  it('open only under the same key and the very same labels', async () => {
    const key = await deriveBackupKey((await newRecoveryKey()).secret, 'u1');
    const sealed = await sealBackupEntry(key, labels, '{"a":1}');
    expect(await openBackupEntry(key, labels, sealed)).toBe('{"a":1}');
    for (const moved of [{ userId: 'u2' }, { version: 2 }, { kind: 'identity' }, { entryKey: 'd:j' }, { roomId: 'r2' }, { roomId: null }, { firstCounter: 0 }]) {
      await expect(openBackupEntry(key, { ...labels, ...moved }, sealed)).rejects.toMatchObject({ code: 'backup_entry_refused' });
    }
    const otherUsersKey = await deriveBackupKey((await parseRecoveryKey((await newRecoveryKey()).text)).secret, 'u1');
    await expect(openBackupEntry(otherUsersKey, labels, sealed)).rejects.toBeInstanceOf(CryptoError);
  });

  it('tell a wrong recovery key by the key check, and the same key for another user apart', async () => {
    const recovery = await newRecoveryKey();
    const key = await deriveBackupKey(recovery.secret, 'u1');
    const check = await backupKeyCheck(key, 'u1', 4);
    await assertBackupKey(key, 'u1', 4, check);
    await expect(assertBackupKey(await deriveBackupKey(recovery.secret, 'u2'), 'u2', 4, check)).rejects.toMatchObject({ code: 'wrong_recovery_key' });
    await expect(assertBackupKey(key, 'u1', 5, check)).rejects.toMatchObject({ code: 'wrong_recovery_key' });
    await expect(assertBackupKey(key, 'u1', 4, 'not base64!')).rejects.toMatchObject({ code: 'wrong_recovery_key' });
  });
});
