import type { Writable } from 'node:stream';
import type { Opened } from '../shared/client/index.js';
import { openedNotice } from '../shared/client/index.js';
import type { RoomEvent, Snippet } from '../shared/protocol/index.js';

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39] } as const;
type Style = keyof typeof CODES;
const SENDER_STYLES: readonly Style[] = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'];

/**
 * Makes untrusted text safe to print: control characters (escape sequences, carriage returns,
 * bells...) become visible `^X` forms so no message can move the cursor or restyle the terminal.
 * Newlines and tabs stay.
 */
export function neutralize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 ? `^${String.fromCharCode(code + 64)}` : code === 0x7f ? '^?' : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A stable index in [0, n) for a username, whatever its case: the same user, the same colour. */
export function stableIndex(username: string, n: number): number {
  let h = 0;
  for (const ch of username.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % n;
}

/** A stable colour per user, so a sender looks the same in every room and run. */
export function senderStyle(username: string): Style {
  return SENDER_STYLES[stableIndex(username, SENDER_STYLES.length)] as Style;
}

/** `YYYY-MM-DD HH:MM` in local time. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Prints for people (optionally coloured) or for programs (JSON only on stdout). */
export class Output {
  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
    readonly json: boolean,
    private readonly color: boolean,
  ) {}

  style(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** One line of human output on stdout. */
  line(text = ''): void {
    this.stdout.write(text + '\n');
  }

  /** Text on stdout as it comes (a streamed answer). */
  raw(text: string): void {
    this.stdout.write(text);
  }

  /** One JSON document (or one line of a JSON stream) on stdout. */
  data(value: unknown): void {
    this.stdout.write(JSON.stringify(value) + '\n');
  }

  /** Prints `value` as JSON in --json mode, else the human text. */
  result(value: unknown, human: () => string | string[]): void {
    if (this.json) return this.data(value);
    const text = human();
    for (const l of Array.isArray(text) ? text : [text]) this.line(l);
  }

  /** A note for people, on stderr, so it never mixes with data. */
  note(text: string): void {
    this.stderr.write(text + '\n');
  }

  /** A search snippet on one line, its matches highlighted. */
  snippet(snippet: Snippet): string {
    let out = '';
    let at = 0;
    for (const [start, end] of snippet.highlights) {
      out += neutralize(snippet.text.slice(at, start)) + this.style('bold', this.style('yellow', neutralize(snippet.text.slice(start, end))));
      at = end;
    }
    return out + neutralize(snippet.text.slice(at));
  }

  private opened(opened: Opened | undefined): string {
    switch (opened?.status) {
      case 'ok':
        return neutralize(opened.body).replace(/\n/g, '\n' + ' '.repeat(18));
      case 'waiting':
      case 'not_shared':
        return this.style('yellow', `[${openedNotice(opened)}]`);
      case 'replayed':
      case 'wrong_room':
      case 'unreadable':
        return this.style('red', `[${neutralize(openedNotice(opened))}]`);
      default:
        return this.style('dim', '[encrypted]');
    }
  }

  /**
   * One room event as a line (continuation lines of a multi-line message indented). For a private
   * room's message, `opened` is what decrypting it gave.
   */
  event(event: RoomEvent, opened?: Opened): string {
    const time = this.style('dim', formatTime(event.createdAt));
    const who = neutralize(event.sender.username);
    switch (event.kind) {
      case 'message': {
        const body = event.envelope ? this.opened(opened) : neutralize(event.body ?? '').replace(/\n/g, '\n' + ' '.repeat(18));
        return `${time}  ${this.style('bold', this.style(senderStyle(event.sender.username), who))}: ${body}`;
      }
      case 'join':
        return `${time}  ${this.style('dim', `→ ${who} joined`)}`;
      case 'leave':
        return `${time}  ${this.style('dim', `← ${who} left`)}`;
      case 'remove':
        return `${time}  ${this.style('dim', `← ${who} removed ${neutralize(event.target?.username ?? 'someone')}`)}`;
      default: {
        const unreachable: never = event.kind;
        return String(unreachable);
      }
    }
  }
}
