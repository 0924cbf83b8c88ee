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
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { render } from 'ink';
import { App, TUI_RENDER_OPTIONS } from '../cli/tui/app.js';
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
  /** ms from the start until the first frame that showed the newest (last opened) message. */
  readonly decryptAllMs: number;
  /** The most a key's timer ran after the key was due (the event loop was busy): counted in its latency. */
  readonly maxTimerLateMs: number;
  /** How long Ink took to build a frame (layout and output, from its onRender), ms, median and p99. */
  readonly inkFrameP50: number;
  readonly inkFrameP99: number;
  /** The event loop's delay while keys were typed (perf_hooks monitorEventLoopDelay), ms: what held it up. */
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
  /** CPU time of this process from the start to the end of the window, ms (wall time under load is more). */
  readonly cpuMs: number;
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
 * Types into the composer while `messages` private messages decrypt, a key due `gapMs` after the
 * last one showed, from the room's first frame until the frame that shows the newest message (so
 * every key measured was typed while messages were still opening); with no messages, `minKeys` keys.
 */
export async function composerLatency(options: { messages?: number; minKeys?: number; gapMs?: number; columns?: number; rows?: number; composerLines?: number } = {}): Promise<ComposerLatency> {
  const { messages = 1000, minKeys = 200, gapMs = 10, columns = 120, rows = 40, composerLines = 0 } = options;
  const { events, inbound } = await history(messages);
  let chain = inbound;
  const e2e = {
    sync: async () => {},
    changedVerifiedUsers: async () => [],
    deviceChanges: async () => [],
    open: async (event: RoomEvent): Promise<Opened> => {
      if (!event.envelope) return { status: 'unreadable', reason: 'no envelope' };
      const result = await decryptMessage(chain, event.envelope);
      chain = result.chain;
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
  /** How long each of Ink's frames took to build (layout and output), ms. */
  const inkRenders: number[] = [];
  const stdin = new KeyStdin();
  const started = performance.now();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const cpuAtStart = process.cpuUsage();
  const app = render(
    <App
      deps={{
        api, live, e2e,
        session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
        readPositions: {}, saveReadPosition: () => {}, now: Date.now,
        search: async () => ({ hits: [], waiting: 0, waitingRooms: 0, device: null }),
        summarize: async () => Promise.reject(new Error('not measured')),
      }}
      server="bench"
      env={{ NO_COLOR: '1' }}
      theme="dark"
      saveTheme={() => {}}
    />,
    { ...TUI_RENDER_OPTIONS, stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false, onRender: ({ renderTime }) => inkRenders.push(renderTime) },
  );
  const frameWith = (text: string | RegExp, since: number) =>
    new Promise<number>((resolve) => {
      // Each frame is looked at once (a waiter over the whole run must not rescan every frame).
      let next = since;
      const check = () => {
        for (let i = next; i < stdout.frames.length; i++, next = i) {
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
  loop.enable();
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
  // The decryption window ends with the first frame that shows the newest message (opened last).
  const newest = `message ${messages}: `;
  let shownAllAt: number | null = messages === 0 ? 0 : null;
  if (messages > 0) void frameWith(newest, 0).then((at) => (shownAllAt = at));
  const latencies: number[] = [];
  let during = 0;
  let typed = '';
  let lateMs = 0;
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let due = performance.now();
  for (let i = 0; messages > 0 ? shownAllAt === null : latencies.length < minKeys; i++) {
    // A word at a time, then Ctrl+U (Ctrl+W after a paste, which keeps the paste), so the composer
    // stays one line or the paste.
    const clear = typed.length >= 40;
    const key = clear ? (composerLines > 0 ? '\u0017' : '\u0015') : letters[i % letters.length] ?? 'a';
    typed = clear ? '' : typed + key;
    const since = stdout.frames.length;
    // A key is due \`gapMs\` after the last one showed: a terminal would have its byte ready then, whether
    // or not the event loop is free to read it, so its latency counts from then, not from when this
    // timer got to run (a decryption or render that held the loop is part of the wait).
    const t0 = due;
    lateMs = Math.max(lateMs, performance.now() - due);
    const decrypting = shownAllAt === null;
    stdin.write(key);
    // An empty composer shows its placeholder; a word shows itself in the composer's row (the cursor
    // after it: a word alone, say "a", is also in the timeline's text); a paste shows its end with or without a word.
    const shown = await frameWith(composerLines > 0 ? (typed === '' ? /end of the paste (?![a-z])/ : mark + typed) : typed === '' ? 'Message ⚿ secret' : `│ ${typed} `, since);
    latencies.push(shown - t0);
    if (decrypting) during += 1;
    due = performance.now() + gapMs;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const end = messages > 0 ? (shownAllAt ?? performance.now()) : performance.now();
  const cpu = process.cpuUsage(cpuAtStart);
  if (process.env.BENCH_DUMP_FRAME) process.stderr.write(`${JSON.stringify(stdout.frames.filter((f) => f.text.length > 100).at(-1)?.text)}\n`);
  app.unmount();
  loop.disable();
  const sorted = [...latencies].sort((a, b) => a - b);
  const inkSorted = [...inkRenders].sort((a, b) => a - b);
  return {
    messages,
    keys: latencies.length,
    keysDuringDecryption: during,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    decryptAllMs: end - started,
    maxTimerLateMs: lateMs,
    inkFrameP50: percentile(inkSorted, 50),
    inkFrameP99: percentile(inkSorted, 99),
    loopDelayP99: loop.percentile(99) / 1e6,
    loopDelayMax: loop.max / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
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
(\`decryptMessage\`) when the room opens. Keys go to stdin one per chunk; each is due 10 ms after the last one showed, and
its latency counts from when it was due (not from when the bench's timer got to run: a decryption or render that held
the event loop is part of the wait, as it would be for a key waiting in a terminal), to the first frame whose composer
row shows it. Only keys typed while messages were still opening are counted: typing starts with the room's first frame
and stops with the first frame that shows the newest (last opened) message, ${fmt(r.decryptAllMs / 1000, 1)} s after the start. ${fmt(r.keys, 0)} keys.

| keys | p50 ms | p95 ms | p99 ms | max ms | Ink frame p50 / p99 ms | loop delay p99 / max ms | CPU s |
|---|---|---|---|---|---|---|---|
| ${fmt(r.keys, 0)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.inkFrameP50)} / ${fmt(r.inkFrameP99)} | ${fmt(r.loopDelayP99)} / ${fmt(r.loopDelayMax)} | ${fmt(r.cpuMs / 1000)} |

Target: p99 under 50 ms.`;
}

// Run as its own process with NODE_ENV=production, as `chat` runs the TUI (React's production build);
// `--json` prints the result for bench/run.ts, otherwise the docs section.
// Run on its own only as its own file (bundled into run.js, import.meta.url is run.js's).
if (/composer-latency\.[jt]sx?$/.test(process.argv[1] ?? '') && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
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
