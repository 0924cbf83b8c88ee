import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutRow } from '../../cli/tui/state/timeline-layout.js';
import { sidebarWidth } from '../../cli/tui/app.js';
import type { RoomEvent } from '../../shared/protocol/index.js';
import type { ServerProcess , userEnv} from '../support/binaries.js';
import { CHAT_BIN, chat, eventually, startServer, tempDir, registerUsers } from '../support/binaries.js';
import { haveTmux, tmuxOn } from '../support/tmux.js';

// The timeline in a real terminal (tmux): what capture-pane shows is compared with the layout model.
const SOCKET = `chat-e2e-layout-${randomBytes(4).toString('hex')}`;
const tmux = tmuxOn(SOCKET);
const screen = () => tmux('capture-pane', '-p', '-t', 'alice');
const press = (key: string) => tmux('send-keys', '-t', 'alice', key);
/** The screen once a frame is fully drawn: the same in two captures 150 ms apart (a frame can be caught half-written). */
async function steadyScreen(): Promise<string> {
  let last = screen();
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const now = screen();
    if (now === last) return now;
    last = now;
  }
}
/** Presses a key and waits for the frame it causes to be fully drawn. */
async function pressAndWait(key: string, before: string): Promise<string> {
  press(key);
  await eventually(() => (screen() !== before ? true : undefined), `the frame after ${key}`);
  return steadyScreen();
}
/** The room list's columns at the terminal's full width (it narrows below 70 columns: sidebarWidth). */
const SIDEBAR = sidebarWidth(100, true);

const CJK = '漢字とかなを混ぜた長い日本語のメッセージです。'.repeat(6);
const LONG_WORDS = Array.from({ length: 5 }, (_, i) => `${String(i)}${'pneumonoultramicroscopic'.repeat(4)}`).join(' ');
const TALL = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n');

describe.runIf(haveTmux)('the timeline in a real terminal', () => {
  let server: ServerProcess;
  let events: RoomEvent[];
  let bob: ReturnType<typeof userEnv>;

  /** The model's rows of the room's messages at a timeline width (the terminal's columns less the room list and its border). */
  const modelRows = (width: number, kinds: readonly string[] = ['message']) =>
    events.filter((e) => kinds.includes(e.kind)).flatMap((e) => layoutRow({ kind: 'event', key: e.id, event: e }, { width, me: 'alice', textOf: () => e.body ?? '' }).map((l) => l.spans.map((s) => s.text).join('').trimEnd()));
  /** The timeline's part of each screen row. */
  const timelineColumn = (text: string, sidebar = SIDEBAR) => text.split('\n').map((r) => r.slice(sidebar).trimEnd());

  beforeAll(async () => {
    const dir = await tempDir('tui-layout');
    server = await startServer({ dataDir: join(dir, 'data') });
    const [alice, bobEnv] = await registerUsers(dir, server.url, ['alice', 'bob'], 'correct horse battery\n');
    bob = bobEnv;
    expect((await chat(alice, ['create', 'layout'])).code).toBe(0);
    expect((await chat(bob, ['join', 'layout'])).code).toBe(0);
    for (const body of ['the first one-liner', CJK, LONG_WORDS]) expect((await chat(bob, ['send', 'layout', body])).code).toBe(0);
    expect((await chat(bob, ['send', 'layout'], `${TALL}\n`)).code).toBe(0);
    events = (JSON.parse((await chat(bob, ['--json', 'read', 'layout'])).stdout) as { events: RoomEvent[] }).events;
    const vars = Object.entries(alice).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', 'alice', '-x', '100', '-y', '30', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    await eventually(() => (screen().includes('● connected') && screen().includes('line 300') ? true : undefined), "alice's screen", 30_000);
  }, 120_000);

  afterAll(async () => {
    if (haveTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await server?.stop();
  });

  it('shows every row of a CJK message, a message of long words and a 300-line message when scrolled with PgUp, each frame a clean run of the model’s rows', async () => {
    const seen = new Set<string>();
    const model = modelRows(100 - SIDEBAR - 2);
    // Every event's rows, joins included: what a frame must show a run of.
    const everyRow = modelRows(100 - SIDEBAR - 2, ['message', 'join', 'leave']);
    /**
     * The frame's timeline, from under the title to the "newer messages below" row, without day
     * separators, when it is not one run of the model's rows in order (a row overprinted, dropped, or
     * with text of an earlier frame at its end); null when it is.
     */
    const notARun = (frame: string): string[] | null => {
      const rows = timelineColumn(frame);
      const end = rows.findIndex((r) => r.includes('newer messages below'));
      const region = rows.slice(1, end < 0 ? undefined : end).filter((r) => !/^── .+ ──$/.test(r.trim()));
      if (end < 0) return null;
      const starts = everyRow.flatMap((row, k) => (row === region[0] ? [k] : []));
      return starts.some((k) => region.every((r, i) => r === everyRow[k + i])) ? null : region;
    };
    let current = await steadyScreen();
    for (let page = 0; page < 30 && !current.includes('the first one-liner'); page++) {
      for (const row of timelineColumn(current)) seen.add(row);
      current = await pressAndWait('PPage', current);
      expect(notARun(current), current).toBeNull();
    }
    for (const row of timelineColumn(current)) seen.add(row);
    const missing = model.filter((row) => !seen.has(row));
    expect(missing).toEqual([]);
  }, 120_000);

  it('leaves a clean frame after a resize to 60x20 and back: the timeline rows are the model’s, nothing left over', async () => {
    let current = await steadyScreen();
    for (let i = 0; i < 40 && current.includes('newer messages below'); i++) current = await pressAndWait('NPage', current);
    for (const [columns, rows] of [[60, 20], [100, 30]] as const) {
      tmux('resize-window', '-t', 'alice', '-x', String(columns), '-y', String(rows));
      const sidebar = sidebarWidth(columns, true);
      const expected = modelRows(Math.max(20, columns - sidebar - 2));
      // The timeline runs from under the title to the row showing the newest line; each of its rows is the model's, in order.
      const check = () => {
        const shown = timelineColumn(screen(), sidebar);
        const last = shown.findIndex((r) => r.endsWith('line 300'));
        if (last < 1) return undefined;
        const region = shown.slice(1, last + 1);
        return region.length >= rows - 10 && region.every((r, i) => r === expected[expected.length - region.length + i]) ? true : undefined;
      };
      await eventually(check, `a clean ${columns}x${rows} frame`, 10_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n--- screen ---\n${screen()}\n--- model (last rows) ---\n${expected.slice(-rows).join('\n')}`);
      });
      // Nothing from the wider frame survives at the right of a row.
      for (const row of screen().split('\n')) expect(row.length).toBeLessThanOrEqual(columns);
    }
  }, 60_000);

  // Issue 15: the scroll offset counted from the bottom, so a message that came while alice read
  // history moved what she was reading by the new message's height.
  it('keeps the rows on screen still while a message comes and across a resize, scrolled back; only the row below them counts it; End shows it', async () => {
    let current = await steadyScreen();
    for (let i = 0; i < 3; i++) current = await pressAndWait('PPage', current);
    /** The timeline's rows above the "below" row. */
    const reading = (frame: string) => {
      const rows = timelineColumn(frame);
      const end = rows.findIndex((r) => r.includes('↓ '));
      return end < 0 ? null : rows.slice(1, end);
    };
    const before = reading(current);
    expect(before, current).not.toBeNull();
    expect((await chat(bob, ['send', 'layout'], 'a message while alice reads\nwith a second line\n')).code).toBe(0);
    // The first frame that shows anything of it (the count, the room list's unread): the rows read are the same.
    await eventually(() => (screen() !== current ? true : undefined), 'a frame after the message came', 15_000);
    let after = await steadyScreen();
    expect(reading(after), after).toEqual(before);
    await eventually(() => (screen().includes('1 new message below') ? true : undefined), 'the count of new messages', 15_000);
    after = await steadyScreen();
    expect(reading(after), after).toEqual(before);
    // A resize keeps the row at the top of the view at the top, and going back gives the same rows back
    // (read at the room list's width for the size, so a frame of the other size does not match).
    const readingAt = (columns: number) => {
      const rows = timelineColumn(screen(), sidebarWidth(columns, true));
      const end = rows.findIndex((r) => r.includes('↓ '));
      return end < 0 ? null : rows.slice(1, end);
    };
    tmux('resize-window', '-t', 'alice', '-x', '60', '-y', '20');
    await eventually(() => (readingAt(60)?.[0] === before?.[0] ? true : undefined), 'the same top row at 60x20', 10_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- before ---\n${(before ?? []).join('\n')}\n--- screen ---\n${screen()}`);
    });
    tmux('resize-window', '-t', 'alice', '-x', '100', '-y', '30');
    await eventually(() => (JSON.stringify(readingAt(100)) === JSON.stringify(before) ? true : undefined), 'the same rows at 100x30 again', 10_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${screen()}`);
    });
    after = await steadyScreen();
    // End in the empty composer: back to the newest, the new message at the bottom.
    const newest = await pressAndWait('End', after);
    expect(newest).toContain('with a second line');
    expect(newest).not.toContain('↓ ');
  }, 60_000);
});

describe.skipIf(haveTmux)('the timeline in a real terminal (skipped)', () => {
  it.skip('needs tmux', () => {});
});
