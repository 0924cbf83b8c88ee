import { z } from 'zod';
import type { EditorState } from './line-editor.js';

/**
 * The composer's unsent text of each room (Slack, Element and Signal keep one per room): switching
 * rooms keeps the room's draft and brings back the other's, text and cursor. A draft may have a
 * target (see {@link DraftTarget}): the message a reply being typed answers, or the message being
 * edited with the edit's text (kept apart from the plain draft, which comes back once the edit is
 * saved or cancelled), so coming back to the room, or a restart, brings back "replying to…" or
 * "editing…" rather than a plain message. Kept in memory, and
 * written (through `persist`, the CLI's sealed file) a moment after the last change and when the app
 * ends, so a draft outlives Ctrl+C and a restart.
 *
 * Bounded: a draft untouched for {@link DRAFT_MAX_AGE_MS} (30 days), or of a room this user is no
 * longer in, is dropped; at most {@link DRAFT_MAX_ROOMS} drafts are kept, and at most
 * {@link DRAFT_MAX_CHARS} UTF-16 code units in all (the oldest go first; a single longer draft is kept
 * only in memory, for this run).
 */

/** How long a draft nobody touched is kept: 30 days, in milliseconds. */
export const DRAFT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
/** The most drafts kept on disk. */
export const DRAFT_MAX_ROOMS = 200;
/** The most UTF-16 code units of draft text kept on disk, all drafts together (about 1 MB of text). */
export const DRAFT_MAX_CHARS = 1_000_000;

/**
 * What a room's draft is for besides a plain message: a reply to the message `eventId` (at `seq`, so
 * a client can load history back to it), or an edit of that message, with the edit's `text` and
 * `cursor` (a UTF-16 offset) so far, and `from`, the message's text when the edit began (to tell,
 * when the edit comes back, that the message was edited since; absent in files written before it was kept).
 */
const DraftTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reply'), eventId: z.string(), seq: z.number().int() }),
  z.object({ kind: z.literal('edit'), eventId: z.string(), seq: z.number().int(), text: z.string(), cursor: z.number().int().nonnegative(), from: z.string().optional() }),
]);
/** A draft's target; see {@link DraftTarget}. */
export type DraftTarget = z.infer<typeof DraftTarget>;

/**
 * One room's draft: its text (empty only when it has a target), the cursor (a UTF-16 offset), when it
 * last changed (ms since the epoch), and its target, if any. Files written before targets were kept
 * read as drafts without one.
 */
const Draft = z.object({ text: z.string(), cursor: z.number().int().nonnegative(), savedAt: z.number(), target: DraftTarget.optional() });
/** The drafts file's contents (version 1): drafts by room id, and the id of the room shown last (files written before it was kept have none). */
const DraftFile = z.object({ version: z.literal(1), drafts: z.record(z.string(), Draft), lastRoom: z.string().optional() });

/** A draft as kept. */
export type Draft = z.infer<typeof Draft>;

/** The UTF-16 code units a draft holds: its text and an edit's. */
const sizeOf = (draft: Draft): number => draft.text.length + (draft.target?.kind === 'edit' ? draft.target.text.length : 0);

/** Where the drafts are kept between runs: `read` answers the last text written (null when none). */
export interface DraftPersistence {
  readonly read: () => Promise<string | null>;
  readonly write: (text: string) => Promise<void>;
}

/**
 * The drafts that may be kept: none older than `maxAgeMs` before `now`, none of a room outside
 * `rooms` (when given), and, newest first, as many as fit in {@link DRAFT_MAX_ROOMS} and
 * {@link DRAFT_MAX_CHARS}.
 */
export function boundDrafts(drafts: ReadonlyMap<string, Draft>, now: number, rooms?: ReadonlySet<string>, maxAgeMs = DRAFT_MAX_AGE_MS): Map<string, Draft> {
  const kept = new Map<string, Draft>();
  let chars = 0;
  const newestFirst = [...drafts].sort(([, a], [, b]) => b.savedAt - a.savedAt);
  for (const [roomId, draft] of newestFirst) {
    if (now - draft.savedAt > maxAgeMs || (rooms && !rooms.has(roomId))) continue;
    if (kept.size >= DRAFT_MAX_ROOMS || chars + sizeOf(draft) > DRAFT_MAX_CHARS) continue;
    chars += sizeOf(draft);
    kept.set(roomId, draft);
  }
  return kept;
}

/** The composer's drafts of every room; see the module's comment. */
export class DraftBook {
  private readonly drafts: Map<string, Draft>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    drafts: Map<string, Draft>,
    private readonly persistence: DraftPersistence | null,
    private readonly now: () => number,
    private readonly delayMs: number,
    private lastRoomId: string | null = null,
  ) {
    this.drafts = drafts;
  }

  /** A book kept only in memory (tests, and a client with nowhere to write). */
  static inMemory(now: () => number = Date.now): DraftBook {
    return new DraftBook(new Map(), null, now, 0);
  }

  /**
   * The drafts `persistence` holds, bounded (see {@link boundDrafts}); a file that cannot be read or
   * parsed counts as none (a draft is not worth refusing to start over). Written again `delayMs`
   * after the last change.
   */
  static async open(persistence: DraftPersistence, now: () => number = Date.now, delayMs = 500): Promise<DraftBook> {
    let drafts = new Map<string, Draft>();
    let lastRoom: string | null = null;
    try {
      const text = await persistence.read();
      const parsed = text === null ? null : DraftFile.safeParse(JSON.parse(text));
      if (parsed?.success) {
        drafts = boundDrafts(new Map(Object.entries(parsed.data.drafts)), now());
        lastRoom = parsed.data.lastRoom ?? null;
      }
    } catch {
      // Unreadable (damaged, another key): start with none; the next write replaces it.
    }
    return new DraftBook(drafts, persistence, now, delayMs, lastRoom);
  }

  /** The id of the room shown last (the app opens it again on start, if this user is still in it), or undefined when none is kept. */
  lastRoom(): string | undefined {
    return this.lastRoomId ?? undefined;
  }

  /** Keeps `roomId` as the room shown last, written soon. */
  setLastRoom(roomId: string): void {
    if (this.lastRoomId === roomId) return;
    this.lastRoomId = roomId;
    this.schedule();
  }

  /** The room's draft (cursor kept inside the text), or undefined when it has no text. */
  get(roomId: string): EditorState | undefined {
    const d = this.drafts.get(roomId);
    return d && d.text !== '' ? { text: d.text, cursor: Math.min(d.cursor, d.text.length) } : undefined;
  }

  /** Keeps `state` as the room's draft, its target kept (an empty text with no target drops it), written soon. */
  set(roomId: string, state: EditorState): void {
    const before = this.drafts.get(roomId);
    if (before && before.text === state.text && before.cursor === state.cursor) return;
    if (!before && state.text === '') return;
    this.put(roomId, { text: state.text, cursor: state.cursor, target: before?.target });
  }

  /** The room's draft's target (an edit's cursor kept inside its text), or undefined when it has none. */
  target(roomId: string): DraftTarget | undefined {
    const t = this.drafts.get(roomId)?.target;
    return t?.kind === 'edit' ? { ...t, cursor: Math.min(t.cursor, t.text.length) } : t;
  }

  /** Gives the room's draft a target, or none (null: a reply sent or cancelled, an edit saved or cancelled), written soon. */
  setTarget(roomId: string, target: DraftTarget | null): void {
    const before = this.drafts.get(roomId);
    if (!before && target === null) return;
    this.put(roomId, { text: before?.text ?? '', cursor: before?.cursor ?? 0, target: target ?? undefined });
  }

  /** Keeps `state` as the text of the room's edit in progress (nothing when its draft's target is not an edit), written soon. */
  setEditText(roomId: string, state: EditorState): void {
    const before = this.drafts.get(roomId);
    const t = before?.target;
    if (!before || t?.kind !== 'edit' || (t.text === state.text && t.cursor === state.cursor)) return;
    this.put(roomId, { ...before, target: { ...t, text: state.text, cursor: state.cursor } });
  }

  /** Stores a room's draft (dropped when it has neither text nor target) and schedules a write. */
  private put(roomId: string, draft: { text: string; cursor: number; target: DraftTarget | undefined }): void {
    if (draft.text === '' && !draft.target) this.drafts.delete(roomId);
    else this.drafts.set(roomId, { text: draft.text, cursor: draft.cursor, savedAt: this.now(), ...(draft.target ? { target: draft.target } : {}) });
    this.schedule();
  }

  /** Drops the drafts of rooms not in `rooms` (rooms left, or removed from). */
  keepOnly(rooms: ReadonlySet<string>): void {
    let dropped = false;
    for (const id of [...this.drafts.keys()]) {
      if (!rooms.has(id)) dropped = this.drafts.delete(id) || dropped;
    }
    if (dropped) this.schedule();
  }

  /** Writes the drafts now, if anything changed since the last write; resolves once written. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.write();
    }
    await this.writing;
  }

  private schedule(): void {
    if (!this.persistence || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write();
    }, this.delayMs);
    this.timer.unref?.();
  }

  /** Queues a write of the bounded drafts after any write under way (so writes land in order). */
  private write(): void {
    const persistence = this.persistence;
    if (!persistence) return;
    const drafts = Object.fromEntries(boundDrafts(this.drafts, this.now()));
    const text = JSON.stringify({ version: 1, drafts, ...(this.lastRoomId !== null ? { lastRoom: this.lastRoomId } : {}) });
    // A failed write is not the user's to handle mid-typing: the next change or the flush at exit tries again.
    this.writing = this.writing.then(() => persistence.write(text)).catch(() => undefined);
  }
}
