import { Box, Text } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { AccountDevice, DevicePrompts, RestoreReport } from '../../../shared/client/index.js';
import { describeHistory, KEYLESS_LABEL, promptFor } from '../../../shared/client/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { useKeys } from '../input/key-input.js';
import type { Key } from '../input/keys.js';
import { wrapSpans } from '../state/styled-wrap.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import type { Theme } from '../state/theme.js';

/** What the prompt drives: the shared approval prompts (shared/client/device-prompts.ts). */
export type DevicePromptModel = Pick<DevicePrompts, 'subscribe' | 'getSnapshot' | 'approve' | 'request' | 'confirm' | 'dismiss' | 'close' | 'restore'>;

export interface DevicePromptProps {
  readonly model: DevicePromptModel;
  readonly theme: Theme;
  /** The columns it may take, border included. */
  readonly width: number;
  /** Told the rows it takes (0 when it shows nothing), so the timeline leaves room for it. */
  readonly onHeight?: (rows: number) => void;
  /** When a device was added, in words (default: the local date and time). */
  readonly when?: (iso: string) => string;
  /** Told once the recovery key restored the backup here (to open the earlier messages again). */
  readonly onRestored?: (report: RestoreReport) => void;
}

/**
 * A device in a prompt: its name (as it named itself), its id's start, when it was added and, when the
 * server recorded it, the address it signed in from (as the server saw it, see `DeviceActivity`).
 */
export function describeNewDevice(d: AccountDevice, when: (iso: string) => string): string {
  const from = d.activity?.signedInFrom ?? d.activity?.addedFrom ?? null;
  return `${neutralize(d.device.name)} (device ${neutralize(d.device.deviceId.slice(0, 8))}), ${when(d.device.createdAt)}${from ? `, from ${neutralize(from)}` : ''}`;
}

/** When a device was added, in the shared formatter's words ("Today 14:05"), as the web page says it. */
const localTime = (iso: string) => localTimeFormatter().dateTime(Date.parse(iso), Date.now());

/**
 * The TUI's device approval prompt, above the composer: on a device that holds the identity key, a
 * prompt for each new sign-in that is not approved; on a new device, that it is not verified yet, with
 * Ctrl+R to type the recovery key; on both, while approving, the 3×4 digits to compare. It never takes
 * a key the user typed for the composer: Ctrl+O gives it the keyboard (then `a` approves, `x` hides
 * the prompt, `y`/`n` answer the comparison, Esc gives the keyboard back and leaves a comparison
 * unconfirmed), so no sentence typed while a prompt appears can approve a device. The protocol is the
 * shared model's.
 */
export function DevicePrompt({ model, theme, width, onHeight, when = localTime, onRestored }: DevicePromptProps) {
  const s = useSyncExternalStore(model.subscribe, model.getSnapshot);
  /** The recovery key being typed, or null; in a ref since keys of one chunk come before the next render. */
  const entryRef = useRef<string | null>(null);
  const [, redraw] = useState(0);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const setEntry = (next: string | null) => {
    entryRef.current = next;
    redraw((n) => n + 1);
  };
  const prompt = promptFor(s);
  /** The devices prompted for, by id: one approved leaves the prompts, and is still named when done. */
  const known = useRef(new Map<string, AccountDevice>());
  for (const p of s.prompts) known.current.set(p.device.deviceId, p);
  /**
   * Whether the prompt has the keyboard. It takes it only on Ctrl+O, a deliberate chord: text typed for
   * the composer never answers a prompt (a lone `a` or `y` in a sentence must not approve a device).
   */
  const focusedRef = useRef(false);
  const setFocused = (next: boolean) => {
    focusedRef.current = next;
    redraw((n) => n + 1);
  };
  const asking = !!s.flow || !!prompt;
  if (!asking && focusedRef.current) focusedRef.current = false;
  const onKey = (key: Key): boolean => {
    const snap = model.getSnapshot();
    const entry = entryRef.current;
    if (entry !== null) {
      if (key.kind === 'text' || key.kind === 'paste') setEntry(entry + key.text.replace(/\s+/g, ' '));
      else if (key.kind !== 'key') return true;
      else if (key.name === 'escape') setEntry(null);
      else if (key.name === 'backspace') setEntry([...entry].slice(0, -1).join(''));
      else if (key.name === 'return') {
        setEntry(null);
        setMessage({ text: 'Restoring the key backup…', error: false });
        model.restore(entry).then(
          (report) => {
            setMessage({ text: `Key backup restored: ${report.added + report.extended} room keys brought here${report.identity === 'restored' ? '; this device is verified' : ''}.`, error: false });
            onRestored?.(report);
          },
          (error: unknown) => setMessage({ text: (error as Error).message, error: true }),
        );
      }
      return true;
    }
    if (snap.status === 'unapproved' && key.kind === 'key' && key.name === 'r' && key.ctrl) {
      setEntry('');
      setMessage(null);
      return true;
    }
    const flow = snap.flow;
    const open = promptFor(snap);
    if (!flow && !open) return false;
    if (!focusedRef.current) {
      if (key.kind === 'key' && key.name === 'o' && key.ctrl) {
        setFocused(true);
        return true;
      }
      return false;
    }
    // Focused: the prompt takes every key until Esc gives the keyboard back.
    if (flow?.step === 'compare') {
      if (key.kind === 'text' && (key.text === 'y' || key.text === 'n')) model.confirm(key.text === 'y');
      else if (key.kind === 'key' && key.name === 'escape') {
        // Leaving the comparison unanswered answers it: the digits were not confirmed.
        model.confirm(false);
        setFocused(false);
      }
      return key.kind !== 'focus' && key.kind !== 'mouse';
    }
    if (flow && (flow.step === 'done' || flow.step === 'failed')) {
      if (key.kind === 'key' && key.name === 'escape') {
        model.close();
        setFocused(false);
        // A new device whose request ended without approval asks again.
        if (flow.role === 'newcomer' && flow.step === 'failed' && snap.status === 'unapproved') void model.request();
      }
      return key.kind !== 'focus' && key.kind !== 'mouse';
    }
    if (open) {
      const id = open.device.deviceId;
      // A sign-in without keys cannot be approved (there is nothing to sign): only hidden, or revoked.
      if (key.kind === 'text' && key.text === 'a' && open.keys) void model.approve(id);
      else if (key.kind === 'text' && key.text === 'x') {
        model.dismiss(id);
        setFocused(false);
      } else if (key.kind === 'key' && key.name === 'escape') setFocused(false);
      return key.kind !== 'focus' && key.kind !== 'mouse';
    }
    if (key.kind === 'key' && key.name === 'escape') setFocused(false);
    return key.kind !== 'focus' && key.kind !== 'mouse';
  };
  useKeys(onKey, 2);

  const lines: { text: string; color?: string; bold?: boolean }[] = [];
  const flow = s.flow;
  const deviceName = (id: string | undefined) => {
    const d = id === undefined ? undefined : known.current.get(id);
    return d ? describeNewDevice(d, when) : `device ${neutralize((id ?? '').slice(0, 8))}`;
  };
  if (flow?.step === 'compare') {
    lines.push({ text: `Compare the digits with the ${flow.role === 'approver' ? 'new device' : 'device approving this one'}:`, bold: true });
    lines.push({ text: `    ${flow.code}`, bold: true, color: theme.accent });
    if (focusedRef.current) lines.push({ text: 'Do both devices show the same digits?  y they match · n they differ · Esc they differ' });
    else lines.push({ text: 'Ctrl+O to answer whether both devices show the same digits', color: theme.accent });
  } else if (flow?.step === 'waiting') {
    lines.push({ text: flow.role === 'approver' ? `Approving ${deviceName(flow.deviceId)}: ${neutralize(flow.what)}…` : `${neutralize(flow.what[0]?.toUpperCase() ?? '')}${neutralize(flow.what.slice(1))}…`, color: theme.dim });
  } else if (flow?.step === 'done') {
    lines.push({ text: flow.role === 'approver' ? `✓ Approved ${deviceName(flow.deviceId)}: your contacts now share keys with it.` : '✓ This device is verified: members now share their keys with it.', color: 'green' });
    const history = flow.role === 'newcomer' ? describeHistory(flow.history) : null;
    if (history) lines.push({ text: neutralize(history), color: flow.history?.backup === 'restored' ? 'green' : theme.warn });
    lines.push({ text: focusedRef.current ? 'Esc to close' : 'Ctrl+O, then Esc to close', color: theme.dim });
  } else if (flow?.step === 'failed') {
    lines.push({ text: `✗ ${flow.role === 'approver' ? 'Not approved' : 'Not verified'}: ${neutralize(flow.message)}`, color: theme.error });
    const then = flow.role === 'newcomer' && s.status === 'unapproved' ? 'Esc to ask again' : 'Esc to close';
    lines.push({ text: focusedRef.current ? then : `Ctrl+O, then ${then}`, color: theme.dim });
  } else if (prompt) {
    lines.push({ text: `New sign-in to your account: ${describeNewDevice(prompt, when)}.`, bold: true, color: theme.warn });
    if (prompt.keys) {
      lines.push({ text: 'If it is yours, approve it: both devices then show 3×4 digits to compare. If not, revoke it (chat devices revoke) and change your password.' });
      lines.push({ text: focusedRef.current ? 'a approve · x not now · Esc back to the composer' : 'Ctrl+O to answer (typing goes to the composer until then)', color: theme.accent });
    } else {
      lines.push({ text: `${KEYLESS_LABEL}, but it reads open rooms and your room list. If it is not yours, revoke it (chat devices revoke ${neutralize(prompt.device.deviceId)}) and change your password.` });
      lines.push({ text: focusedRef.current ? 'x not now · Esc back to the composer' : 'Ctrl+O to answer (typing goes to the composer until then)', color: theme.accent });
    }
  }
  if (s.status === 'unapproved' && flow?.step !== 'compare') {
    // One row at 100 columns: it stays on screen until the device is verified, so it takes as little as it can.
    lines.push({ text: 'This device is not verified yet: approve it from another device, or your recovery key (Ctrl+R).', color: theme.warn });
  }
  if (entryRef.current !== null) lines.push({ text: `Recovery key: ${neutralize(entryRef.current)}▏  (Enter restores · Esc cancels)`, color: theme.accent });
  if (message) lines.push({ text: neutralize(message.text), color: message.error ? theme.error : theme.dim });
  // Wrapped here, so the rows told are the rows drawn.
  const inner = Math.max(1, width - 4);
  const rows = lines.flatMap((l, i) => wrapSpans([{ text: l.text, tone: 'plain' }], inner).map((spans, j) => ({ ...l, key: `${i}.${j}`, text: spans.map((x) => x.text).join('') })));
  const height = rows.length === 0 ? 0 : rows.length + 2;
  useEffect(() => onHeight?.(height), [height, onHeight]);
  if (rows.length === 0) return null;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={flow?.step === 'compare' || prompt ? theme.warn : theme.dim} paddingX={1} width={width}>
      {rows.map((l) => (
        <Text key={l.key} wrap="truncate" {...(l.color ? { color: l.color } : {})} bold={l.bold ?? false}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
