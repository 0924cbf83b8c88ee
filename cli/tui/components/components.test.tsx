import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { ChatError } from '../../../shared/protocol/index.js';
import { FAKE_CONTINUATION, forbiddenIn, HOSTILE, HOSTILE_MESSAGES, HOSTILE_TOPIC, LEGIT } from '../../../test/support/hostile-strings.js';
import { THEMES } from '../state/theme.js';
import { layoutTimeline } from '../state/timeline-layout.js';
import type { TimelineRow } from '../state/timeline-rows.js';
import { timelineRows } from '../state/timeline-rows.js';
import { KeyInputProvider } from '../input/key-input.js';
import { Composer } from './composer.js';
import { RoomList } from './room-list.js';
import { StatusBar } from './status-bar.js';
import { Timeline } from './timeline.js';
import { TypingLine } from './typing-line.js';

const theme = THEMES.dark;
/** The composer's size and what Tab completes, for the tests that do not look at them. */
const COMPOSER_LAYOUT = { width: 60, maxRows: 5, sources: { commands: ['join', 'leave'], users: [], rooms: [] } };

/** A whole timeline laid out at 100 columns (UTC times) and drawn. */
function renderTimeline(rows: readonly TimelineRow[]) {
  const layout = layoutTimeline(rows, { width: 100, me: 'alice', textOf: (r) => r.event.body ?? '', time: (iso) => iso.slice(11, 16) });
  return render(<Timeline lines={layout.lines} width={100} height={layout.lines.length} theme={theme} scrolledBack={false} />);
}
/** Ink subscribes to stdin in an effect, and reads a chunk per tick: let each write land alone. */
const settle = () => new Promise((r) => setTimeout(r, 60));

describe('Composer', () => {
  it('sends on Enter and clears, ignores an empty Enter', async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(<KeyInputProvider><Composer onSubmit={onSubmit} onTyping={() => {}} history={[]} theme={theme} placeholder="Message #general" {...COMPOSER_LAYOUT} /></KeyInputProvider>);
    await settle();
    expect(lastFrame()).toContain('Message #general');
    stdin.write('\r');
    await settle();
    stdin.write('hello');
    await settle();
    expect(lastFrame()).toContain('hello');
    stdin.write('\r');
    await settle();
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(onSubmit).toHaveBeenCalledWith('hello');
    expect(lastFrame()).toContain('Message #general');
  });

  it('starts a new line on Alt+Enter and keeps a pasted block as one message', async () => {
    const onSubmit = vi.fn();
    const { stdin } = render(<KeyInputProvider><Composer onSubmit={onSubmit} onTyping={() => {}} history={[]} theme={theme} placeholder="" {...COMPOSER_LAYOUT} /></KeyInputProvider>);
    await settle();
    stdin.write('first');
    await settle();
    stdin.write('\u001b\r');
    await settle();
    stdin.write('second');
    await settle();
    stdin.write('\r');
    await settle();
    expect(onSubmit).toHaveBeenLastCalledWith('first\nsecond');
    stdin.write('\u001b[200~pasted one\rpasted two\u001b[201~');
    await settle();
    stdin.write('\r');
    await settle();
    expect(onSubmit).toHaveBeenLastCalledWith('pasted one\npasted two');
  });

  // Under load the Enter after a paste came in before the paste's 20 ms tail timer ran (input runs
  // before an expired timer in a busy event loop), and was taken as a line break of the paste.
  it('sends on an Enter that comes after the paste’s tail even when the tail timer has not run', async () => {
    const onSubmit = vi.fn();
    const { stdin } = render(<KeyInputProvider><Composer onSubmit={onSubmit} onTyping={() => {}} history={[]} theme={theme} placeholder="" {...COMPOSER_LAYOUT} /></KeyInputProvider>);
    await settle();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const ticks = async () => {
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      };
      stdin.write('\u001b[200~pasted text\u001b[201~');
      await ticks();
      vi.setSystemTime(Date.now() + 100); // the pause, with no timer run
      stdin.write('\r');
      await ticks();
      expect(onSubmit).toHaveBeenLastCalledWith('pasted text');
    } finally {
      vi.useRealTimers();
    }
  });

  // Found by an adversarial helper: a paste holding the end marker and then more than one read's worth
  // (tmux hands it over in ~4 KB reads 15–50 ms apart) had its rest taken as typing: 15 messages sent.
  it('keeps a long paste after an embedded end marker pasted across reads that come more than the tail apart', async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(<KeyInputProvider><Composer onSubmit={onSubmit} onTyping={() => {}} history={[]} theme={theme} placeholder="" {...COMPOSER_LAYOUT} /></KeyInputProvider>);
    await settle();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const ticks = async () => {
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      };
      const line = `${'w'.repeat(1000)}\r`;
      stdin.write(`\u001b[200~safe\u001b[201~${line.repeat(4)}`);
      await ticks();
      for (let read = 0; read < 3; read++) {
        await vi.advanceTimersByTimeAsync(40); // the pause between two reads, past PASTE_TAIL_MS
        stdin.write(line.repeat(4));
        await ticks();
      }
      await vi.advanceTimersByTimeAsync(40);
      stdin.write('END');
      await ticks();
      await vi.advanceTimersByTimeAsync(1500);
      expect(onSubmit).not.toHaveBeenCalled();
      stdin.write('\r');
      await ticks();
      expect(onSubmit).toHaveBeenCalledTimes(1);
      expect(onSubmit.mock.calls[0]?.[0]).toBe(`safe${`${'w'.repeat(1000)}\n`.repeat(16)}END`);
      expect(lastFrame()).not.toContain('END');
    } finally {
      vi.useRealTimers();
    }
  });

  it('recalls what was sent with ↑ in an empty composer, and completes commands with Tab', async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(<KeyInputProvider><Composer onSubmit={onSubmit} onTyping={() => {}} history={['older', 'latest']} theme={theme} placeholder="" {...COMPOSER_LAYOUT} /></KeyInputProvider>);
    await settle();
    stdin.write('\u001b[A');
    await settle();
    expect(lastFrame()).toContain('latest');
    stdin.write('\u001b[A');
    await settle();
    expect(lastFrame()).toContain('older');
    stdin.write('\u001b[B');
    await settle();
    stdin.write('\u001b[B');
    await settle();
    stdin.write('/jo');
    await settle();
    expect(lastFrame()).toContain('/join');
    stdin.write('\t');
    await settle();
    stdin.write('general');
    await settle();
    stdin.write('\r');
    await settle();
    expect(onSubmit).toHaveBeenLastCalledWith('/join general');
  });

  it('reports typing while there is text, and not for commands', async () => {
    const onTyping = vi.fn();
    const { stdin } = render(<KeyInputProvider><Composer onSubmit={() => {}} onTyping={onTyping} history={[]} theme={theme} placeholder="" {...COMPOSER_LAYOUT} /></KeyInputProvider>);
    await settle();
    stdin.write('h');
    await settle();
    expect(onTyping).toHaveBeenLastCalledWith(true);
    stdin.write('\u007f');
    await settle();
    expect(onTyping).toHaveBeenLastCalledWith(false);
    stdin.write('/');
    await settle();
    expect(onTyping).toHaveBeenLastCalledWith(false);
  });
});

describe('RoomList', () => {
  it('shows unread counts, mentions, private and DM markers with presence', () => {
    const { lastFrame } = render(
      <RoomList loaded
        width={24}
        theme={theme}
        selectedId="a"
        rooms={[
          { id: 'a', label: 'general', private: false, dm: false, unread: 0, mentions: 0 },
          { id: 'b', label: 'plans', private: true, dm: false, unread: 3, mentions: 2 },
          { id: 'c', label: 'bob', private: true, dm: true, unread: 1, mentions: 0, online: true },
        ]}
      />,
    );
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/# general/);
    expect(frame).toMatch(/⚿ plans 3 @2/);
    expect(frame).toMatch(/● bob 1(?! @)/);
  });
});

describe('StatusBar and TypingLine', () => {
  it('say what the connection is doing', () => {
    const base = { username: 'alice', server: 'http://localhost:8787', theme, now: 1_000 };
    expect(render(<StatusBar {...base} state={{ status: 'connected' }} />).lastFrame()).toContain('connected');
    expect(render(<StatusBar {...base} state={{ status: 'reconnecting', attempt: 2, retryAt: 4_500 }} />).lastFrame()).toContain('reconnecting in 4 s');
    expect(render(<StatusBar {...base} state={{ status: 'closed', reason: null }} />).lastFrame()).toContain('offline');
    expect(render(<TypingLine text="bob is typing…" theme={theme} />).lastFrame()).toContain('bob is typing…');
  });
});

describe('Timeline', () => {
  it('shows senders, membership events and neutralized control characters', () => {
    const sender = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };
    const events = [
      { id: '00000000-0000-4000-8000-000000000001', roomId: 'r', seq: 1, kind: 'join' as const, sender, body: null, envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z' },
      { id: '00000000-0000-4000-8000-000000000002', roomId: 'r', seq: 2, kind: 'message' as const, sender, body: 'hi \u001b[2Jthere', envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-25T10:01:00.000Z' },
    ];
    const rows = timelineRows(events, { readSeq: 1, now: Date.parse('2026-11-25T12:00:00Z'), timeZone: 'UTC' });
    const frame = renderTimeline(rows).lastFrame() ?? '';
    expect(frame).toContain('bob joined');
    expect(frame).toContain('── new ──');
    expect(frame).toContain('bob: hi ^[[2Jthere');
    expect(frame).not.toContain('\u001b[2J');
  });
});

describe('hostile text from the server', () => {
  /** A frame without the colours Ink itself writes. */
  const plain = (frame: string | undefined) => (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '');

  it('is shown inert by the status bar, the room list, the typing line and the timeline', () => {
    const sender = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };
    const events = [...HOSTILE_MESSAGES, FAKE_CONTINUATION].map((body, i) => ({
      id: `00000000-0000-4000-8000-0000000000${String(i + 10)}`,
      roomId: 'r',
      seq: i + 1,
      kind: 'message' as const,
      sender,
      body,
      envelope: null,
      target: null,
      clientMsgId: null,
      createdAt: '2026-11-25T10:00:00.000Z',
    }));
    const rows = timelineRows(events, { readSeq: events.length, now: Date.parse('2026-11-25T12:00:00Z'), timeZone: 'UTC' });
    const timeline = plain(renderTimeline(rows).lastFrame());
    const frames = [
      timeline,
      plain(render(<StatusBar username="alice" server="http://localhost:8787" theme={theme} now={0} note={HOSTILE_TOPIC} state={{ status: 'closed', reason: new ChatError('internal', HOSTILE.osc0Title) }} />).lastFrame()),
      plain(render(<RoomList loaded width={40} theme={theme} selectedId={null} rooms={[{ id: 'a', label: HOSTILE.bidi, private: false, dm: false, unread: 0, mentions: 0 }]} />).lastFrame()),
      plain(render(<TypingLine text={`${HOSTILE.clipboard} is typing…`} theme={theme} />).lastFrame()),
    ];
    for (const frame of frames) {
      expect(frame).not.toMatch(/\u001b/);
      expect(forbiddenIn(frame)).toEqual([]);
    }
    expect(timeline).toContain(LEGIT.family);
    expect(timeline).toContain(LEGIT.persian);
    // The lines posing as messages start under the text ("10:00 bob: " is 11 columns), not where a message starts.
    const posing = timeline.split('\n').filter((l) => l.includes('mallory:'));
    expect(posing).toHaveLength(2);
    for (const l of posing) expect(l).toMatch(/^ {11}\S/);
  });
});

describe('SignInForm', () => {
  it('takes a username and a hidden password, switches to registering with Tab, and shows errors', async () => {
    const { SignInForm } = await import('./sign-in-form.js');
    const onSubmit = vi.fn(async () => {
      throw new Error('wrong username or password');
    });
    const { stdin, lastFrame } = render(<SignInForm server="http://localhost:8787" theme={theme} onSubmit={onSubmit} onDone={() => undefined} />);
    await settle();
    expect(lastFrame()).toContain('Sign in on http://localhost:8787');
    stdin.write('\t');
    await settle();
    expect(lastFrame()).toContain('Create an account');
    stdin.write('alice');
    await settle();
    stdin.write('\r');
    await settle();
    stdin.write('s3cret-pass');
    await settle();
    expect(lastFrame()).toContain('•••••••••••');
    expect(lastFrame()).not.toContain('s3cret-pass');
    stdin.write('\r');
    await settle();
    expect(onSubmit).toHaveBeenCalledWith('register', 'alice', 's3cret-pass');
    expect(lastFrame()).toContain('wrong username or password');
  });

  it("shows a new account's recovery key in the form, whole groups per line, and goes on only at Enter", async () => {
    const { SignInForm } = await import('./sign-in-form.js');
    const key = 'ABCD EFGH JKMN PQRS TVWX YZ01 2345 6789 ABCD EFGH JKMN PQRS';
    const onSubmit = vi.fn(async () => key);
    const onDone = vi.fn();
    const { stdin, lastFrame } = render(<SignInForm server="http://localhost:8787" theme={theme} onSubmit={onSubmit} onDone={onDone} />);
    await settle();
    stdin.write('\talice\rs3cret-pass\r');
    await settle();
    expect(onSubmit).toHaveBeenCalledWith('register', 'alice', 's3cret-pass');
    const frame = lastFrame() ?? '';
    expect(frame).toContain('ABCD EFGH JKMN PQRS TVWX YZ01');
    expect(frame).toContain('2345 6789 ABCD EFGH JKMN PQRS');
    expect(frame).toContain('Press Enter once you have written it down.');
    // No group of the key is cut across two lines.
    const groups = frame.match(/\b[0-9A-Z]{1,4}\b/g)?.filter((g) => key.split(' ').includes(g)) ?? [];
    expect(groups.length).toBeGreaterThanOrEqual(12);
    expect(onDone).not.toHaveBeenCalled();
    stdin.write('x');
    await settle();
    expect(onDone).not.toHaveBeenCalled();
    stdin.write('\r');
    await settle();
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('goes on at once after signing in, when there is no recovery key to show', async () => {
    const { SignInForm } = await import('./sign-in-form.js');
    const onDone = vi.fn();
    const { stdin } = render(<SignInForm server="http://localhost:8787" theme={theme} onSubmit={async () => undefined} onDone={onDone} />);
    await settle();
    stdin.write('alice\rs3cret-pass\r');
    await settle();
    expect(onDone).toHaveBeenCalledTimes(1);
  });
});
