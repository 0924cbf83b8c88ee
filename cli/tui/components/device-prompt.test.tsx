import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { AccountDevice, DevicePromptsSnapshot, RestoreReport } from '../../../shared/client/index.js';
import { KeyInputProvider } from '../input/key-input.js';
import { THEMES } from '../state/theme.js';
import type { DevicePromptModel } from './device-prompt.js';
import { describeNewDevice, DevicePrompt } from './device-prompt.js';

const NEW_ID = '7c0b3f0e-2a55-4a57-9a43-1f6c3f7e9d11';
const newDevice: AccountDevice = {
  device: {
    deviceId: NEW_ID,
    name: 'web (browser)\u001b[2J',
    createdAt: '2026-11-30T02:31:00.000Z',
  },
  keys: true,
  approved: false,
  current: false,
  isNew: true,
};

/** A prompt model whose snapshot the test sets, recording what the prompt asked of it. */
function fakeModel(initial: DevicePromptsSnapshot) {
  let snapshot = initial;
  const listeners = new Set<() => void>();
  const report: RestoreReport = { version: 1, added: 3, extended: 0, kept: 0, refused: 0, identity: 'restored' };
  const model = {
    subscribe: (l: () => void) => (listeners.add(l), () => listeners.delete(l)),
    getSnapshot: () => snapshot,
    approve: vi.fn(async () => undefined),
    request: vi.fn(async () => undefined),
    confirm: vi.fn(),
    dismiss: vi.fn(),
    close: vi.fn(),
    restore: vi.fn(async () => report),
  } satisfies DevicePromptModel;
  const set = (next: Partial<DevicePromptsSnapshot>) => {
    snapshot = { ...snapshot, ...next };
    for (const l of [...listeners]) l();
  };
  return { model, set };
}

/** Ink reads a chunk per tick: let each write land alone. */
const settle = () => new Promise((r) => setTimeout(r, 60));

function renderPrompt(model: DevicePromptModel, onRestored = vi.fn()) {
  const onHeight = vi.fn();
  const view = render(
    <KeyInputProvider>
      <DevicePrompt model={model} theme={THEMES.dark} width={100} onHeight={onHeight} when={(iso) => `at ${iso.slice(11, 16)} UTC`} onRestored={onRestored} />
    </KeyInputProvider>,
  );
  return { ...view, onHeight };
}

describe('describeNewDevice', () => {
  const when = (iso: string) => `at ${iso.slice(11, 16)} UTC`;
  it('names the address the device signed in from when the server recorded it, neutralized', () => {
    const activity = { deviceId: NEW_ID, name: 'web', createdAt: newDevice.device.createdAt, addedFrom: '198.51.100.7', signedInAt: null, signedInFrom: '203.0.113.5\u001b[2J', lastSeenAt: null };
    expect(describeNewDevice({ ...newDevice, activity }, when)).toMatch(/at 02:31 UTC, from 203\.0\.113\.5/);
    expect(describeNewDevice({ ...newDevice, activity }, when)).not.toContain('\u001b');
    expect(describeNewDevice({ ...newDevice, activity: { ...activity, signedInFrom: null } }, when)).toMatch(/from 198\.51\.100\.7$/);
    expect(describeNewDevice(newDevice, when)).toMatch(/at 02:31 UTC$/);
  });
});

describe('DevicePrompt', () => {
  it('announces a new sign-in with where and when, approves on `a`, and asks to compare the digits', async () => {
    const { model, set } = fakeModel({ status: 'holder', prompts: [newDevice], canApprove: true, flow: null });
    const { stdin, lastFrame, onHeight } = renderPrompt(model);
    await settle();
    const frame = lastFrame() ?? '';
    expect(frame).toContain('New sign-in to your account: web (browser)');
    expect(frame).toContain('device 7c0b3f0e');
    expect(frame).toContain('at 02:31 UTC');
    // The device's name is the server's word: no escape sequence reaches the terminal.
    expect(frame).not.toContain('\u001b[2J');
    // The rows it tells the layout are the rows it draws.
    expect(onHeight).toHaveBeenLastCalledWith(frame.split('\n').length);
    expect(frame).toContain('Ctrl+O to answer');
    stdin.write('\u000f');
    await settle();
    stdin.write('a');
    await settle();
    expect(model.approve).toHaveBeenCalledWith(NEW_ID);

    set({ flow: { step: 'compare', role: 'approver', deviceId: NEW_ID, code: '1234 5678 9012' } });
    await settle();
    expect(lastFrame()).toContain('1234 5678 9012');
    expect(lastFrame()).toContain('y they match');
    stdin.write('q');
    await settle();
    expect(model.confirm).not.toHaveBeenCalled();
    stdin.write('y');
    await settle();
    expect(model.confirm).toHaveBeenCalledWith(true);

    set({ flow: { step: 'done', role: 'approver', deviceId: NEW_ID }, prompts: [] });
    await settle();
    // Named still, though no longer among the prompts.
    expect(lastFrame()).toContain('✓ Approved web (browser)');
    expect(lastFrame()).toContain('(device 7c0b3f0e)');
  });

  it('announces a sign-in that published no keys, on a device that cannot approve too, labelled so, and never approves it', async () => {
    const ghost: AccountDevice = { ...newDevice, device: { ...newDevice.device, name: 'ghost' }, keys: false };
    const { model } = fakeModel({ status: 'approved', prompts: [ghost], canApprove: false, flow: null });
    const { stdin, lastFrame } = renderPrompt(model);
    await settle();
    const frame = (lastFrame() ?? '').replace(/\s+/g, ' ');
    expect(frame).toContain('New sign-in to your account: ghost');
    expect(frame).toContain('at 02:31 UTC');
    expect(frame).toContain('signed in, no encryption keys — cannot read private rooms');
    expect(frame).toContain('chat devices revoke');
    stdin.write('\u000f');
    await settle();
    stdin.write('a');
    await settle();
    expect(model.approve).not.toHaveBeenCalled();
  });

  it('never takes keys typed for the composer: a sentence with `a` and `y` in it approves nothing', async () => {
    const { model, set } = fakeModel({ status: 'holder', prompts: [newDevice], canApprove: true, flow: null });
    const { stdin } = renderPrompt(model);
    await settle();
    // Key by key, as a person types, while the prompt is on screen.
    for (const ch of 'can you say yes') {
      stdin.write(ch);
      await settle();
    }
    expect(model.approve).not.toHaveBeenCalled();
    expect(model.dismiss).not.toHaveBeenCalled();
    set({ prompts: [], flow: { step: 'compare', role: 'approver', deviceId: NEW_ID, code: '1234 5678 9012' } });
    await settle();
    for (const ch of 'yes yes') {
      stdin.write(ch);
      await settle();
    }
    expect(model.confirm).not.toHaveBeenCalled();
    // Ctrl+O then Esc leaves the comparison unconfirmed: they differ.
    stdin.write('\u000f');
    await settle();
    stdin.write('\u001b');
    await settle();
    expect(model.confirm).toHaveBeenCalledWith(false);
  });

  it('says they differ on `n`, and hides a prompt on `x`', async () => {
    const { model, set } = fakeModel({ status: 'holder', prompts: [newDevice], canApprove: true, flow: null });
    const { stdin, lastFrame, onHeight } = renderPrompt(model);
    await settle();
    stdin.write('\u000f');
    await settle();
    stdin.write('x');
    await settle();
    expect(model.dismiss).toHaveBeenCalledWith(NEW_ID);
    expect(model.approve).not.toHaveBeenCalled();
    set({ prompts: [], flow: { step: 'compare', role: 'approver', deviceId: NEW_ID, code: '1111 2222 3333' } });
    await settle();
    stdin.write('\u000f');
    await settle();
    stdin.write('n');
    await settle();
    expect(model.confirm).toHaveBeenCalledWith(false);
    set({ flow: null });
    await settle();
    expect(lastFrame()).toBe('');
    expect(onHeight).toHaveBeenLastCalledWith(0);
  });

  it('tells a new device it is not verified, shows its digits once the other side approves, and restores with the recovery key on Ctrl+R', async () => {
    const { model, set } = fakeModel({ status: 'unapproved', prompts: [], canApprove: false, flow: { step: 'waiting', role: 'newcomer', what: 'waiting for another of your devices' } });
    const onRestored = vi.fn();
    const { stdin, lastFrame } = renderPrompt(model, onRestored);
    await settle();
    expect(lastFrame()).toContain('This device is not verified yet');
    expect(lastFrame()).toContain('recovery key (Ctrl+R)');

    set({ flow: { step: 'compare', role: 'newcomer', code: '4321 8765 2109' } });
    await settle();
    expect(lastFrame()).toContain('4321 8765 2109');
    stdin.write('y');
    await settle();
    expect(model.confirm).not.toHaveBeenCalled();
    stdin.write('\u000f');
    await settle();
    stdin.write('y');
    await settle();
    expect(model.confirm).toHaveBeenCalledWith(true);

    set({ flow: { step: 'failed', role: 'newcomer', message: 'the other device cancelled' } });
    await settle();
    stdin.write('\u0012');
    await settle();
    stdin.write('ABCD EFGH');
    await settle();
    expect(lastFrame()).toContain('Recovery key: ABCD EFGH');
    stdin.write('\r');
    await settle();
    expect(model.restore).toHaveBeenCalledWith('ABCD EFGH');
    await settle();
    expect(onRestored).toHaveBeenCalledTimes(1);
    expect(lastFrame()).toContain('Key backup restored: 3 room keys brought here; this device is verified');
  });

  it('tells the new device, once approved, whether its earlier private messages came with the approval', async () => {
    const report: RestoreReport = { version: 1, added: 2, extended: 1, kept: 0, refused: 0, identity: 'restored' };
    const { model, set } = fakeModel({ status: 'holder', prompts: [], canApprove: true, flow: { step: 'done', role: 'newcomer', history: { backup: 'restored', report } } });
    const { lastFrame } = renderPrompt(model);
    await settle();
    expect(lastFrame()).toContain('This device is verified');
    expect(lastFrame()).toContain('Your earlier private messages are readable here: 3 keys restored from your key backup.');
    set({ status: 'approved', flow: { step: 'done', role: 'newcomer', history: { backup: 'refused', reason: 'it was altered\u001b[2J' } } });
    await settle();
    expect(lastFrame()).toContain('was not used (it was altered');
    expect(lastFrame()).not.toContain('\u001b[2J');
  });
});
