import type { Writable } from 'node:stream';
import type { MessageView, Opened } from '../shared/client/index.js';
import { openedNotice, unopenedEditNotice } from '../shared/client/index.js';
import type { RoomEvent, Snippet } from '../shared/protocol/index.js';
import { escapeForJson, neutralize, neutralizeLines, neutralizeQuote } from '../shared/text/neutralize.js';
import { senderHue } from '../shared/text/sender-colour.js';
import { meAction } from '../shared/text/action.js';
import { localTimeFormatter } from '../shared/text/time-format.js';

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39] } as const;
type Style = keyof typeof CODES;

/** The neutralizer every surface uses (see shared/text/neutralize.ts), here for the commands' imports. */
export { neutralize };

/** The SGR sequences `Output.style` writes; in coloured output, the only escape sequences let through. */
const OWN_STYLE = /(\u001b\[(?:1|2|22|3[1-9])m)/;

/** Indents a message's continuation lines under its text (past `YYYY-MM-DD HH:MM  `). */
const CONTINUATION = '\n' + ' '.repeat(18);

/** A stable colour per user (shared/text/sender-colour.ts), so a sender looks the same in every room, run and client. */
export function senderStyle(username: string): Style {
  return senderHue(username);
}

/** `YYYY-MM-DD HH:MM` in local time: the shared formatter's stamp (shared/text/time-format.ts), with the TUI's and the web's `HH:MM`. */
export function formatTime(iso: string): string {
  return localTimeFormatter().stamp(Date.parse(iso));
}

/** "last seen 5 minutes ago", "last seen yesterday": the shared formatter's words, as the web page's members panel says it. */
export function formatLastSeen(iso: string, now: number = Date.now()): string {
  return localTimeFormatter().lastSeen(Date.parse(iso), now);
}

/**
 * Prints for people (optionally coloured) or for programs (JSON only on stdout). It is the CLI's
 * boundary for text from the server: commands pass every name, topic and body through `neutralize`
 * (one-line fields) or `event` (bodies) when they build a line, and whatever reaches `line`, `note`
 * or `raw` is neutralized again, keeping newlines and this class's own colours, so a command that
 * forgot cannot let an escape sequence or a bidi control through. `data` escapes them in JSON.
 */
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
    this.stdout.write(this.guard(text) + '\n');
  }

  /** Text on stdout as it comes (a streamed answer). */
  raw(text: string): void {
    this.stdout.write(this.guard(text));
  }

  /** One JSON document (or one line of a JSON stream) on stdout. */
  data(value: unknown): void {
    this.stdout.write(escapeForJson(JSON.stringify(value)) + '\n');
  }

  /** Prints `value` as JSON in --json mode, else the human text. */
  result(value: unknown, human: () => string | string[]): void {
    if (this.json) return this.data(value);
    const text = human();
    for (const l of Array.isArray(text) ? text : [text]) this.line(l);
  }

  /** A note for people, on stderr, so it never mixes with data. */
  note(text: string): void {
    this.stderr.write(this.guard(text) + '\n');
  }

  /** Text about to be written: neutralized, newlines kept, and (in colour) this class's own styles kept. */
  private guard(text: string): string {
    if (!this.color) return neutralize(text, { multiline: true });
    return text
      .split(OWN_STYLE)
      .map((part, i) => (i % 2 === 1 ? part : neutralize(part, { multiline: true })))
      .join('');
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

  /**
   * A message with its relations applied (`chat read`): its seq, latest text and "(edited)", or a
   * "message deleted" tombstone; above it the quote of the message it replies to; below it its reactions.
   * `quoteOpened` is what opening the quoted text's event (`replyTo.source`) gave: a quoted text that
   * did not open says what that message says, rather than "[not loaded]".
   */
  messageView(view: MessageView, opened?: Opened, quoteOpened?: Opened): string {
    const e = view.event;
    const time = this.style('dim', formatTime(e.createdAt));
    const who = this.style('bold', this.style(senderStyle(e.sender.username), neutralize(e.sender.username)));
    // An edit that did not open: the original text (`opened`) is no longer the message's text.
    const unopened = unopenedEditNotice(view, !e.envelope || opened?.status === 'ok');
    const text = view.deleted
      ? this.style('dim', '[message deleted]')
      : view.text !== null
        ? neutralizeLines(view.text).join(CONTINUATION)
        : unopened !== null
          ? this.style('yellow', `[${unopened}]`)
          : e.envelope
            ? this.opened(opened)
            : '';
    const action = !view.deleted && view.text !== null ? meAction(view.text) : unopened === null && e.envelope && opened?.status === 'ok' ? meAction(opened.body) : null;
    const lines: string[] = [];
    if (view.replyTo) {
      const q = view.replyTo;
      const unopened = q.source !== undefined && quoteOpened ? this.opened(quoteOpened) : '[not loaded]';
      const quoted = q.deleted ? '[message deleted]' : q.text === null ? unopened : truncate(neutralizeQuote(q.text), 60);
      lines.push(`${' '.repeat(18)}${this.style('dim', `┌ reply to #${q.seq}${q.sender ? ` ${neutralize(q.sender)}` : ''}: ${quoted}`)}`);
    }
    // A `/me` action as an action: `* alice waves`.
    const said = action !== null ? `* ${who} ${neutralizeLines(action).join(CONTINUATION)}` : `${who}: ${text}`;
    lines.push(`${time}  ${said}${view.edited && !view.deleted ? ` ${this.style('dim', '(edited)')}` : ''} ${this.style('dim', `#${e.seq}`)}`);
    if (view.reactions.length > 0) {
      lines.push(`${' '.repeat(18)}${view.reactions.map((r) => `${neutralize(r.key)} ${r.count}${r.mineSeq !== null ? '*' : ''}`).join('  ')}`);
    }
    return lines.join('\n');
  }

  private opened(opened: Opened | undefined): string {
    switch (opened?.status) {
      case 'ok':
        return neutralizeLines(opened.body).join(CONTINUATION);
      case 'waiting':
      case 'not_shared':
      case 'before_join':
      case 'before_device':
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
        const body = event.envelope ? this.opened(opened) : neutralizeLines(event.body ?? '').join(CONTINUATION);
        const rel = event.relation;
        // A relation shown as it came (chat read --follow): what it does, and to which seq. An unknown
        // type (a later version's) is shown as a plain message.
        switch (rel?.type) {
          case 'edit':
            return `${time}  ${this.style('dim', `${who} edited #${rel.seq}:`)} ${body}`;
          case 'delete':
            return `${time}  ${this.style('dim', `${who} deleted #${rel.seq}`)}`;
          case 'reaction':
            return `${time}  ${this.style('dim', `${who} reacted to #${rel.seq}:`)} ${body}`;
          case 'reply':
            return `${time}  ${this.style('bold', this.style(senderStyle(event.sender.username), who))} ${this.style('dim', `(reply to #${rel.seq})`)}: ${body} ${this.style('dim', `#${event.seq}`)}`;
          default: {
            // A `/me` action as an action, as in history: `* alice waves`.
            const action = event.redacted ? null : event.envelope ? (opened?.status === 'ok' ? meAction(opened.body) : null) : meAction(event.body ?? '');
            if (action !== null) {
              return `${time}  * ${this.style('bold', this.style(senderStyle(event.sender.username), who))} ${neutralizeLines(action).join(CONTINUATION)} ${this.style('dim', `#${event.seq}`)}`;
            }
            // Its seq last, as in history (messageView), so a followed message can be edited or answered.
            return `${time}  ${this.style('bold', this.style(senderStyle(event.sender.username), who))}: ${event.redacted ? this.style('dim', '[message deleted]') : body} ${this.style('dim', `#${event.seq}`)}`;
          }
        }
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

/** `text` cut to `max` code points with an ellipsis. */
function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
