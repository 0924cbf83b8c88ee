import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CHAT_BIN, eventually } from './binaries.js';

/** Whether tmux is installed here; terminal suites run only then (`describe.runIf(haveTmux)`). */
export const haveTmux = spawnSync('tmux', ['-V']).status === 0;

/** Real terminals for a suite: `chat` TUIs in tmux sessions on a tmux server of the suite's own (`-L`). */
export interface Terminals {
  /** Starts the TUI (the built `chat` binary with `env`) in a new session of `cols` × `rows`. */
  start(session: string, env: Readonly<Record<string, string>>, cols?: number, rows?: number): void;
  /** The session's screen as text, one line per row. */
  screen(session: string): string;
  /** Types text literally. */
  type(session: string, text: string): void;
  /** Presses keys by tmux name (`Enter`, `C-n`, `Up`). */
  press(session: string, ...keys: string[]): void;
  /** Waits until `check` holds for the session's screen; a timeout says what the screen showed. */
  see(session: string, check: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Shows the room whose title (the screen's first line) matches, moving with Ctrl+N. */
  enter(session: string, title: RegExp): Promise<void>;
  /** Ends every session and the tmux server. */
  close(): void;
}

/**
 * `eventually` whose timeout also prints what `context()` returns then (the screen, the server's log), so
 * a failure in CI says what the terminal showed.
 */
export function eventuallyShowing(context: () => string): typeof eventually {
  return async (check, what, timeoutMs) => {
    try {
      return await eventually(check, what, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${context()}`);
    }
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs tmux commands on the server of socket name `socket` (`-L`), returning stdout; throws on a
 * non-zero exit. A `new-session` also turns the server's `exit-empty` off: a server left with no
 * session (its last app ended, or was killed) exits a moment later, and a `new-session` that reached
 * it meanwhile failed with "server exited unexpectedly" (17 of 200 tries here); now the server stays
 * until `kill-server`.
 */
export function tmuxOn(socket: string): (...args: string[]) => string {
  return (...args) => execFileSync('tmux', ['-L', socket, ...args, ...(args.includes('new-session') ? [';', 'set-option', '-s', 'exit-empty', 'off'] : [])], { encoding: 'utf8' });
}

/** A tmux server with a unique socket name starting with `label`, so parallel suites never meet. */
export function terminals(label: string): Terminals {
  const socket = `${label}-${randomBytes(4).toString('hex')}`;
  const tmux = tmuxOn(socket);
  const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);
  const see = async (session: string, check: (s: string) => boolean, what: string, timeoutMs = 20_000) => {
    try {
      await eventually(() => (check(screen(session)) ? true : undefined), what, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the screen:\n${screen(session)}`);
    }
  };
  return {
    start: (session, env, cols = 110, rows = 32) => {
      const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
      tmux('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    },
    screen,
    type: (session, text) => void tmux('send-keys', '-t', session, '-l', text),
    press: (session, ...keys) => void tmux('send-keys', '-t', session, ...keys),
    see,
    enter: async (session, title) => {
      const inRoom = () => title.test(screen(session).split('\n')[0] ?? '');
      for (let i = 0; i < 6 && !inRoom(); i++) {
        tmux('send-keys', '-t', session, 'C-n');
        await pause(300);
      }
      await see(session, () => inRoom(), `${session} in ${title}`);
    },
    close: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
}
