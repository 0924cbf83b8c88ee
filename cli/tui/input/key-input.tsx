import { useStdin } from 'ink';
import type { ReactNode } from 'react';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef } from 'react';
import type { Key, Pending } from './keys.js';
import { PASTE_END, createKeyTokenizer } from './keys.js';

/** Handles one key; returns true when it used it, so that handlers after it do not see it. */
export type KeyHandler = (key: Key) => boolean;

/** The handlers of one app, asked in order of priority (highest first, then the order they came). */
class KeyRouter {
  private handlers: { readonly priority: number; readonly handler: { readonly current: KeyHandler } }[] = [];
  /** Set while the key being handled asked that the keys after it wait (see {@link KeyRouter.hold}). */
  private held = false;
  /** Called when a hold ends; set by the provider. */
  onRelease: () => void = () => {};
  /** Hands keys to the handlers as if they came now, after any held ones; set by the provider. */
  replay: (keys: readonly Key[]) => void = () => {};

  add(priority: number, handler: { readonly current: KeyHandler }): () => void {
    const entry = { priority, handler };
    this.handlers = [...this.handlers, entry].sort((a, b) => b.priority - a.priority);
    return () => {
      this.handlers = this.handlers.filter((e) => e !== entry);
    };
  }

  dispatch(key: Key): void {
    for (const { handler } of this.handlers) if (handler.current(key)) return;
  }

  /**
   * Asks that the keys after the one being handled wait until the returned function is called (once
   * what the key changed has rendered), or at most `maxMs` (default {@link HOLD_MAX_MS}).
   */
  hold(maxMs: number = HOLD_MAX_MS): () => void {
    this.held = true;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // A hold asked outside a key (a room shown when a command's answer came) must not stop the next key.
      this.held = false;
      this.onRelease();
    };
    const timer = setTimeout(release, maxMs);
    return release;
  }

  /** Whether the last key asked to hold the rest (and forgets it). */
  takeHold(): boolean {
    const held = this.held;
    this.held = false;
    return held;
  }
}

/** The longest a key handler's hold keeps the keys after it waiting (ms), should its release never come. */
export const HOLD_MAX_MS = 250;

const KeyRouterContext = createContext<KeyRouter | null>(null);

/** How long input may pause inside an escape sequence (ms) before a lone ESC is taken as the Escape key. */
export const ESCAPE_WAIT_MS = 25;
/** How long a paste may pause (ms) before one whose end marker never came is taken as ended. */
export const PASTE_WAIT_MS = 1000;
/**
 * How long after a paste's end marker (ms) input still counts as pasted: a terminal writes a paste
 * without pauses, a person's next key comes later than this.
 */
export const PASTE_TAIL_MS = 20;
/**
 * A read bringing at least this many bytes after a paste's end marker is a program writing, not a person
 * typing: after one, the paste's tail waits up to PASTE_WAIT_MS for the next read. A terminal hands a long paste over
 * in reads of about 4 KB with pauses of 15–50 ms between them, and a paste holding the end marker and
 * then more than one read's worth had its rest taken as typing, every line break in it a send.
 */
export const PASTE_READ_BYTES = 512;

export interface KeyInputProviderProps {
  readonly children: ReactNode;
}

/**
 * Turns raw mode on and runs everything the terminal sends through one keypress tokenizer
 * (`createKeyTokenizer`), then hands each key, one at a time, to the handlers registered with
 * {@link useKeys}. The input is Ink's own raw-mode stream (the pieces its reader splits a chunk into
 * are, joined, the chunk itself), so Ink keeps owning stdin and raw mode; `useInput`, which gets a
 * whole run of text and control bytes as one input, is not used under it.
 */
export function KeyInputProvider({ children }: KeyInputProviderProps) {
  const { internal_eventEmitter: stream, setRawMode, isRawModeSupported } = useStdin();
  const router = useMemo(() => new KeyRouter(), []);
  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const tokenizer = createKeyTokenizer();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Keys not yet handed out, in order: a key that changes what the next keys mean (another room, so
    // another composer and draft) holds the rest of its burst until React has rendered the change, as
    // if they had been typed one at a time.
    const queue: Key[] = [];
    let holding = false;
    const drain = () => {
      while (!holding && queue.length > 0) {
        router.dispatch(queue.shift() as Key);
        if (router.takeHold()) holding = true;
      }
    };
    router.onRelease = () => {
      holding = false;
      drain();
    };
    const deliver = (keys: readonly Key[]) => {
      queue.push(...keys);
      drain();
    };
    router.replay = (keys) => {
      // A hold asked outside a key (the room a replaying handler just chose) holds these keys too.
      if (router.takeHold()) holding = true;
      deliver(keys);
    };
    // The bytes of the read being handled that came after a paste's end marker (its tail): Ink hands one
    // read over in pieces, one after another in the same turn of the event loop, so a read is what comes
    // before the next setImmediate. A paste that simply ended leaves none, and its tail stays short.
    let tailBytes = 0;
    let readOpen = false;
    const waitFor = (pending: Exclude<Pending, 'none'>) =>
      pending === 'paste' ? PASTE_WAIT_MS : pending === 'paste-tail' ? (tailBytes >= PASTE_READ_BYTES ? PASTE_WAIT_MS : PASTE_TAIL_MS) : ESCAPE_WAIT_MS;
    const wait = () => {
      clearTimeout(timer);
      const pending = tokenizer.pending();
      if (pending === 'none') return;
      timer = setTimeout(() => deliver(tokenizer.flush()), waitFor(pending));
    };
    // When the last input came (ms, Date.now()).
    let lastInput = 0;
    const onInput = (chunk: string) => {
      const now = Date.now();
      const pending = tokenizer.pending();
      // A pause as long as the wait ends what was held even when its timer has not run yet: a busy
      // event loop runs input that came before an expired timer, and an Enter pressed after a paste
      // was then taken as a line break of the paste.
      if (pending !== 'none' && now - lastInput >= waitFor(pending)) {
        clearTimeout(timer);
        deliver(tokenizer.flush());
      }
      if (!readOpen) {
        readOpen = true;
        tailBytes = 0;
        setImmediate(() => {
          readOpen = false;
        });
      }
      const end = chunk.lastIndexOf(PASTE_END);
      tailBytes += tokenizer.pending() === 'paste-tail' ? chunk.length : end >= 0 ? chunk.length - end - PASTE_END.length : 0;
      lastInput = now;
      deliver(tokenizer.feed(chunk));
      wait();
    };
    stream.on('input', onInput);
    return () => {
      clearTimeout(timer);
      stream.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [stream, setRawMode, isRawModeSupported, router]);
  return <KeyRouterContext.Provider value={router}>{children}</KeyRouterContext.Provider>;
}

/**
 * Returns `hold`, which a key handler calls when its key changes what the following keys mean (it shows
 * another room, whose composer holds another draft): the keys after it, in the same burst or typed
 * since, wait until the function `hold` returned is called (from an effect, once the change has
 * rendered) instead of reaching the handlers of what was shown before; at most `maxMs` (default
 * {@link HOLD_MAX_MS}).
 */
export function useKeyHold(): (maxMs?: number) => () => void {
  const router = useContext(KeyRouterContext);
  if (!router) throw new Error('useKeyHold needs a KeyInputProvider above it');
  return useCallback((maxMs?: number) => router.hold(maxMs), [router]);
}

/**
 * Returns `replay`, which hands keys a handler kept aside (typed while it waited for something) to the
 * handlers again, in order, as if they came now: after the keys a hold keeps waiting, before any typed later.
 */
export function useKeyReplay(): (keys: readonly Key[]) => void {
  const router = useContext(KeyRouterContext);
  if (!router) throw new Error('useKeyReplay needs a KeyInputProvider above it');
  return useCallback((keys) => router.replay(keys), [router]);
}

/**
 * Receives every key (in a {@link KeyInputProvider}) while mounted. Handlers with a higher priority
 * are asked first; the first to return true takes the key. The latest `handler` is always the one
 * called, so a key that arrives before React re-renders still reaches current code (state it reads
 * should live in refs for the same reason).
 */
export function useKeys(handler: KeyHandler, priority = 0): void {
  const router = useContext(KeyRouterContext);
  if (!router) throw new Error('useKeys needs a KeyInputProvider above it');
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => router.add(priority, ref), [router, priority]);
}
