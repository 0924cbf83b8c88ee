import { useStdin } from 'ink';
import type { ReactNode } from 'react';
import { createContext, useContext, useEffect, useMemo, useRef } from 'react';
import type { Key } from './keys.js';
import { createKeyTokenizer } from './keys.js';

/** Handles one key; returns true when it used it, so that handlers after it do not see it. */
export type KeyHandler = (key: Key) => boolean;

/** The handlers of one app, asked in order of priority (highest first, then the order they came). */
class KeyRouter {
  private handlers: { readonly priority: number; readonly handler: { readonly current: KeyHandler } }[] = [];

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
}

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
    const deliver = (keys: readonly Key[]) => {
      for (const key of keys) router.dispatch(key);
    };
    const wait = () => {
      clearTimeout(timer);
      const pending = tokenizer.pending();
      if (pending === 'none') return;
      timer = setTimeout(() => deliver(tokenizer.flush()), pending === 'paste' ? PASTE_WAIT_MS : pending === 'paste-tail' ? PASTE_TAIL_MS : ESCAPE_WAIT_MS);
    };
    const onInput = (chunk: string) => {
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
