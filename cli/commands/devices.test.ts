import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AccountDevice } from '../../shared/client/index.js';
import { Output } from '../output.js';
import { deviceLines } from './devices.js';

const ID = '5d1f4c2a-8b7e-4f3a-9c21-0e6b7a8d9f10';
const keyless: AccountDevice = {
  device: { deviceId: ID, name: 'ghost', createdAt: '2026-11-30T02:31:00.000Z' },
  activity: { deviceId: ID, name: 'ghost', createdAt: '2026-11-30T02:31:00.000Z', addedFrom: '203.0.113.5', signedInAt: '2026-11-30T02:31:00.000Z', signedInFrom: '203.0.113.5', lastSeenAt: null },
  keys: false,
  approved: false,
  current: false,
  isNew: false,
};
const out = new Output(new PassThrough(), new PassThrough(), false, false);

describe('chat devices: a sign-in that published no keys', () => {
  it('is listed, labelled as keyless with where and when, and says how to revoke it', () => {
    const text = deviceLines({ out }, keyless).join('\n');
    expect(text).toContain('NO KEYS');
    expect(text).toContain('signed in, no encryption keys — cannot read private rooms');
    expect(text).toContain('ghost (5d1f4c2a-8b7e-4f3a-9c21-0e6b7a8d9f10)');
    expect(text).toContain('from 203.0.113.5');
    expect(text).toContain(`chat devices revoke ${ID}`);
  });

  it('is not labelled so when it has keys', () => {
    const text = deviceLines({ out }, { ...keyless, keys: true }).join('\n');
    expect(text).toContain('UNAPPROVED');
    expect(text).not.toContain('no encryption keys');
  });
});
