// Keystroke-to-frame latency of the TUI's composer while a private room's 1,000 messages decrypt: the
// real App, rendered by Ink to a fake terminal (a stdout that timestamps each frame it is written, and a
// stdin the keys are written to, one key per chunk as a typist's terminal sends them), over fakes of
// the server whose history holds 1,000 envelopes made with the real sender-chain crypto (each opened
// with decryptMessage). A key's latency is the time from writing it to the first frame that shows the
// text with it. All in one process, no terminal, no network.
// A second case types at the end of a composer that holds a 5,000-line paste (BENCH_COMPOSER_LINES),
// with no messages to decrypt: what a key costs when the composer's text is long.
// Standalone: node dist-bench/composer-latency.js   (prints the docs/benchmarks.md section)
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { render } from 'ink';
import { App } from '../cli/tui/app.js';
import type { ApiClient, E2ESession, LiveClient, Opened } from '../shared/client/index.js';
import type { InboundChain } from '../shared/crypto/index.js';
import { decryptMessage, encryptMessage, inboundFromShare, newOutboundChain, shareOf } from '../shared/crypto/index.js';
import type { Room, RoomEvent } from '../shared/protocol/index.js';

/** What was measured: per key, ms from the write to the frame that showed it. */
export interface ComposerLatency {
  readonly messages: number;
  readonly keys: number;
  /** Keys typed while messages were still being decrypted. */
  readonly keysDuringDecryption: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** ms from the first frame until the last message was decrypted. */
  readonly decryptAllMs: number;
  readonly columns: number;
  readonly rows: number;
  /** Lines pasted into the composer before the keys were typed (0: an empty composer). */
  readonly composerLines: number;
  /** ms from writing the paste to the first frame that showed it. */
  readonly pasteMs: number;
}

const ROOM: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8e', name: 'secret', topic: '', visibility: 'private', headSeq: 0, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const BOB = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob', device: '00000000-0000-4000-8000-0000000000bd' };

/** A terminal's stdout: it keeps when each frame came. */
class FrameStdout extends EventEmitter {
  readonly frames: { readonly at: number; readonly text: string }[] = [];
  readonly isTTY = true;
  constructor(readonly columns: number, readonly rows: number) {
    super();
  }
  write = (text: string): boolean => {
    this.frames.push({ at: performance.now(), text });
    this.emit('frame');
    return true;
  };
}

/** A terminal's stdin in raw mode, as Ink reads it ('readable', then read()). */
class KeyStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  write(chunk: string): void {
    this.data = chunk;
    this.emit('readable');
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** 1,000 (or `count`) private messages from Bob, encrypted on one sender chain, and the chain to open them. */
async function history(count: number): Promise<{ events: RoomEvent[]; inbound: InboundChain }> {
  let chain = await newOutboundChain(Date.now(), true);
  const sender = { roomId: ROOM.id, senderUser: BOB.id, senderDevice: BOB.device };
  const inbound = inboundFromShare(await shareOf(chain), sender);
  const events: RoomEvent[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const clientMsgId = randomUUID();
    const sent = await encryptMessage(chain, { ...sender, clientMsgId }, { body: `message ${seq}: about as long as a line of chat usually is`, sentAt: Date.now() });
    chain = sent.chain;
    events.push({ id: randomUUID(), roomId: ROOM.id, seq, kind: 'message', sender: { id: BOB.id, username: BOB.username }, body: null, envelope: sent.envelope, target: null, clientMsgId, createdAt: new Date().toISOString() } as RoomEvent);
  }
  return { events, inbound };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * Types into the composer while `messages` private messages decrypt, a key every `gapMs` after the
 * last one showed, at least `minKeys` keys and on until every message is open.
 */
export async function composerLatency(options: { messages?: number; minKeys?: number; gapMs?: number; columns?: number; rows?: number; composerLines?: number } = {}): Promise<ComposerLatency> {
  const { messages = 1000, minKeys = 200, gapMs = 10, columns = 120, rows = 40, composerLines = 0 } = options;
  const { events, inbound } = await history(messages);
  let chain = inbound;
  let opened = 0;
  const e2e = {
    sync: async () => {},
    changedVerifiedUsers: async () => [],
    deviceChanges: async () => [],
    open: async (event: RoomEvent): Promise<Opened> => {
      if (!event.envelope) return { status: 'unreadable', reason: 'no envelope' };
      const result = await decryptMessage(chain, event.envelope);
      chain = result.chain;
      opened += 1;
      return { status: 'ok', body: result.content.body, sentAt: result.content.sentAt };
    },
  } as unknown as E2ESession;
  const live = { state: { status: 'connected' }, on: () => () => {}, start: () => {}, stop: () => {}, watch: () => {}, typing: () => {} } as unknown as LiveClient;
  const api = {
    rooms: async () => [{ ...ROOM, headSeq: messages }],
    // The whole history as one page: every message is decrypted at once, the worst case for typing.
    history: async () => ({ events, headSeq: messages, hasMore: false }),
    members: async () => [],
  } as unknown as ApiClient;
  const stdout = new FrameStdout(columns, rows);
  const stdin = new KeyStdin();
  const started = performance.now();
  const app = render(
    <App
      deps={{
        api, live, e2e,
        session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
        readPositions: {}, saveReadPosition: () => {}, now: Date.now,
        search: async () => ({ hits: [], waiting: 0 }),
        summarize: async () => Promise.reject(new Error('not measured')),
      }}
      server="bench"
      env={{ NO_COLOR: '1' }}
      theme="dark"
      saveTheme={() => {}}
    />,
    { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false },
  );
  const frameWith = (text: string | RegExp, since: number) =>
    new Promise<number>((resolve) => {
      const check = () => {
        for (let i = since; i < stdout.frames.length; i++) {
          const f = stdout.frames[i];
          if (f && (typeof text === 'string' ? f.text.includes(text) : text.test(f.text))) {
            stdout.off('frame', check);
            resolve(f.at);
            return;
          }
        }
      };
      stdout.on('frame', check);
      check();
    });
  await frameWith('secret', 0);
  // The paste's last line ends the text, so the keys typed after it show right after this mark.
  const mark = 'end of the paste ';
  let pasteMs = 0;
  if (composerLines > 0) {
    const lines = Array.from({ length: composerLines - 1 }, (_, i) => `pasted line ${i + 1}: about as long as a line of a log or of code`);
    const since = stdout.frames.length;
    const t0 = performance.now();
    stdin.write(`\u001b[200~${[...lines, mark].join('\r')}\u001b[201~`);
    pasteMs = (await frameWith(mark, since)) - t0;
  }
  const latencies: number[] = [];
  let during = 0;
  let typed = '';
  let doneAt: number | null = null;
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; latencies.length < minKeys || opened < messages; i++) {
    if (opened >= messages && doneAt === null) doneAt = performance.now();
    // A word at a time, then Ctrl+U (Ctrl+W after a paste, which keeps the paste), so the composer
    // stays one line or the paste.
    const clear = typed.length >= 40;
    const key = clear ? (composerLines > 0 ? '\u0017' : '\u0015') : letters[i % letters.length] ?? 'a';
    typed = clear ? '' : typed + key;
    const since = stdout.frames.length;
    const decrypting = opened < messages;
    const t0 = performance.now();
    stdin.write(key);
    // An empty composer shows its placeholder; a word shows itself; a paste shows its end with or without a word.
    const shown = await frameWith(composerLines > 0 ? (typed === '' ? /end of the paste (?![a-z])/ : mark + typed) : typed === '' ? 'Message ⚿ secret' : typed, since);
    latencies.push(shown - t0);
    if (decrypting) during += 1;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const end = doneAt ?? performance.now();
  app.unmount();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    messages,
    keys: latencies.length,
    keysDuringDecryption: during,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    decryptAllMs: end - started,
    columns,
    rows,
    composerLines,
    pasteMs,
  };
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The docs/benchmarks.md section for a result (or the reason it failed). */
export function composerLatencySection(r: ComposerLatency | string): string {
  if (typeof r === 'string') return r;
  if (r.composerLines > 0) {
    return `The same \`App\` and fake ${r.columns}×${r.rows} terminal, in a room with nothing to decrypt; a bracketed paste of ${fmt(r.composerLines, 0)} lines
(${fmt(r.composerLines, 0)} lines of ASCII text, one chunk) goes into the composer first (its first frame came ${fmt(r.pasteMs, 0)} ms after the write), then
keys are typed at its end as above (a word, then Ctrl+W). ${fmt(r.keys, 0)} keys.

| composer lines | keys | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
| ${fmt(r.composerLines, 0)} | ${fmt(r.keys, 0)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} |

Target: p99 under 50 ms, as with an empty composer.`;
  }
  return `The TUI's \`App\` rendered by Ink to a fake ${r.columns}×${r.rows} terminal whose stdout timestamps each frame, over fakes of
the server; the room's history is ${fmt(r.messages, 0)} private messages encrypted with the real sender-chain crypto, all decrypted
(\`decryptMessage\`) when the room opens. Keys go to stdin one per chunk, each a moment after the last one showed; a key's
latency is from its write to the first frame that shows it. ${fmt(r.keys, 0)} keys, ${fmt(r.keysDuringDecryption, 0)} of them while messages were
still being decrypted (all ${fmt(r.messages, 0)} were open ${fmt(r.decryptAllMs / 1000, 1)} s after the start).

| keys | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|
| ${fmt(r.keys, 0)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} |

Target: p99 under 50 ms.`;
}

// Run as its own process with NODE_ENV=production, as `chat` runs the TUI (React's production build);
// `--json` prints the result for bench/run.ts, otherwise the docs section.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const messages = Number(process.env.BENCH_COMPOSER_MESSAGES ?? 1000);
  const composerLines = Number(process.env.BENCH_COMPOSER_LINES ?? 0);
  composerLatency({ messages, composerLines, ...(composerLines > 0 ? { minKeys: 100 } : {}) }).then(
    (r) => {
      process.stdout.write(process.argv.includes('--json') ? JSON.stringify(r) : `${composerLatencySection(r)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
