import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode, RefObject } from 'react';

/** What a {@link VirtualTimeline}'s owner can make it do (its `controls`). */
export interface VirtualTimelineControls {
  /** Goes to the newest row and stays there (letting go of a held `startAt` row). */
  toBottom(): void;
}

/** How close to the bottom (in CSS pixels) still counts as "at the bottom", so new rows keep it there. */
const BOTTOM_SLACK_PX = 40;
/** How close to the top (in CSS pixels) asks for older rows. */
const TOP_SLACK_PX = 200;
/** For how many frames after rows come above the view the anchor row is kept where it showed (while they are measured). */
const SETTLE_FRAMES = 20;
/** How close to the end (in CSS pixels) a list held at its `startAt` row counts as showing every row below it. */
const END_PX = 2;

/** How far (in CSS pixels) the scrolling box `el` is from its bottom. */
function gapOf(el: HTMLElement): number {
  return el.scrollHeight - el.scrollTop - el.clientHeight;
}

/**
 * The list's `scrollToFn`: a move to an offset is written as asked, but a correction (`adjustments`:
 * a row above the view measured taller or shorter than estimated) shifts the box from where it is
 * now. The library adds the correction to the offset it last read, which is stale when the box has
 * moved since (a scroll up right after older rows came in): writing that offset undid the scroll and
 * sent the reader back down the list.
 */
function scrollKeepingTheUsers(
  offset: number,
  { adjustments, behavior }: { adjustments?: number; behavior?: ScrollBehavior },
  instance: { scrollElement: Element | null },
  writes: LibraryWrites,
): void {
  const el = instance.scrollElement;
  if (!el) return;
  if (adjustments) {
    const before = el.scrollTop;
    el.scrollBy({ top: adjustments, ...(behavior ? { behavior } : {}) });
    writes.shifted += el.scrollTop - before;
  } else {
    writes.moves++;
    el.scrollTo({ top: offset, ...(behavior ? { behavior } : {}) });
  }
}

/** What the library's own scroll writes did: how far its corrections shifted the box (px), and how many moves to an offset it made. */
interface LibraryWrites {
  shifted: number;
  moves: number;
}

/** Props of {@link VirtualTimeline}. */
export interface VirtualTimelineProps<T> {
  /** The rows, oldest first. */
  readonly items: readonly T[];
  /** A stable key per row (an event id); rows keep their measured height under it. */
  readonly itemKey: (item: T) => string;
  /** One row's content; it may be any height, and is measured once drawn. */
  readonly renderItem: (item: T, index: number) => ReactNode;
  /** A row's height before it is measured, in CSS pixels (default 28). */
  readonly estimateSize?: number;
  /** Rows drawn beyond each edge of the view (default 12). */
  readonly overscan?: number;
  /** A row's className (and `jumped` on the row jumped to). */
  readonly rowClassName?: (item: T) => string;
  /** Extra attributes of a row (`data-status`…). */
  readonly rowData?: (item: T) => Record<`data-${string}`, string>;
  /** The key of a row to bring to the middle of the view and mark; `onJumped` says when it is there. */
  readonly jumpTo?: string | null;
  /** Called once the row of `jumpTo` is in view. */
  readonly onJumped?: (key: string) => void;
  /**
   * The key of a row the first rows must show (the "new messages" line): the list opens with it at
   * the top of the view when the newest rows do not fit below it, and at the bottom otherwise; it is
   * held there (through rows measured late and boxes appearing around the list) until the user
   * scrolls (the wheel, a key, a touch or a press on the list), or until a row comes at the end while
   * every row below it is in view (the view at the end): from then on the list follows the newest as
   * at the bottom. Only the rows there when the list opens (see `loaded`) count: a row that comes
   * later is a new row, followed while the view is at the bottom. Without it (or without its row
   * when the list opens) the list opens at the bottom.
   */
  readonly startAt?: string | null;
  /**
   * Whether the first rows are in (a room's first page of history; default true: the rows given at
   * mount). The list opens, at the bottom or at `startAt`, on the first render where this is true,
   * with the rows it has then, none included; rows that come after that arrived live.
   */
  readonly loaded?: boolean;
  /**
   * Told whether the newest row is in view (the view within 40 px of the bottom), first once the list
   * has opened, and again whenever that changes (the owner reads a room only while it is true).
   */
  readonly onAtBottomChange?: (atBottom: boolean) => void;
  /** Set to the list's {@link VirtualTimelineControls} while it is mounted (a "Jump to latest" button outside it). */
  readonly controls?: RefObject<VirtualTimelineControls | null>;
  /** Whether older rows can be loaded above the first. */
  readonly hasOlder?: boolean;
  /**
   * Asked for older rows when the view comes near the top (by scrolling, the wheel or the keys). It is
   * not asked again while its promise is pending; once it settles, the top asks again if the view is
   * still near it (a page that added no row, such as one of only edits or reactions). A rejection is
   * not retried by itself: its error goes to `olderNote`, and the next scroll, wheel or key asks again.
   */
  readonly onReachTop?: () => Promise<unknown> | void;
  /**
   * Shown above the scrolling box while `hasOlder` (outside it, so row offsets stay the list's own);
   * a function is given the error of the last failed `onReachTop` (null when none) and whether an
   * `onReachTop` is under way.
   */
  readonly olderNote?: ReactNode | ((error: Error | null, loading: boolean) => ReactNode);
  /** The list's accessible name. */
  readonly label: string;
  readonly className?: string;
}

/**
 * A long list of rows of any height in a scrolling box, with only the rows in view (and `overscan`
 * more) in the page, so 10,000 messages scroll as smoothly as 50. Windowing and measuring are done
 * by TanStack Virtual (`measureElement` with a ResizeObserver); rows added above the view keep what
 * is on screen where it was (the row in the middle of the view is followed, and the library corrects
 * for rows above it once they are measured), older rows are asked for again after each answer while
 * the view is still near the top (so a page that adds no row does not stop the scrolling back), and
 * rows added below follow the bottom while the view was at the bottom ("stick to bottom"), and so
 * does anything else that changes the list's height or its rows' (a banner appearing above the list,
 * the message box growing below it, rows measured late): a ResizeObserver on the box and on its
 * content brings the newest back into view while the view was at the bottom. Only the user leaves
 * the bottom (a scroll up); a box that shrinks or rows that grow do not.
 * The scrolling box is the list (`role="list"` of `listitem`s, named by `label`): scrolling it is
 * scrolling the list.
 */
export function VirtualTimeline<T>({
  items,
  itemKey,
  renderItem,
  estimateSize = 28,
  overscan = 12,
  rowClassName,
  rowData,
  jumpTo = null,
  onJumped,
  startAt = null,
  loaded = true,
  onAtBottomChange,
  controls,
  hasOlder = false,
  onReachTop,
  olderNote,
  label,
  className = 'timeline',
}: VirtualTimelineProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const libraryWrites = useRef<LibraryWrites>({ shifted: 0, moves: 0 });
  const atBottom = useRef(true);
  // The scroll offset at the last scroll event, to tell a scroll up (the user leaving the bottom).
  const lastTop = useRef(0);
  const lastKey = items.at(-1) ? itemKey(items.at(-1) as T) : undefined;

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => box.current,
    estimateSize: () => estimateSize,
    overscan,
    getItemKey: (index) => itemKey(items[index] as T),
    scrollToFn: (offset, options, instance) => scrollKeepingTheUsers(offset, options, instance, libraryWrites.current),
  });

  // Following the bottom: a new last row (or the first rows of a room) keeps the newest in view,
  // unless a jump is on its way (once there, scrolling back to the bottom follows again).
  const jumping = useRef<string | null>(null);
  useLayoutEffect(() => {
    jumping.current = jumpTo;
  }, [jumpTo]);
  // Opening, once the first rows are in (`loaded`, none at all included): at the bottom, or with the
  // `startAt` row held at the top of the view when the newest do not fit below it (scrolling to it
  // aligned at the start lands at the end when they do: the library clamps the offset to the list's
  // end). Rows that come after the opening arrived live: they never start a hold.
  const hold = useRef<string | null>(null);
  // While held: whether the view was at the end at the last look (every row below the held one in view).
  const showsAll = useRef(false);
  const opened = useRef(false);
  const latest = useRef({ items, itemKey });
  latest.current = { items, itemKey };
  const holdIndex = () => (hold.current === null ? -1 : latest.current.items.findIndex((item) => latest.current.itemKey(item) === hold.current));
  useLayoutEffect(() => {
    if (opened.current || !loaded) return;
    opened.current = true;
    hold.current = startAt !== null && !jumping.current ? startAt : null;
    if (holdIndex() < 0) hold.current = null;
    showsAll.current = false;
    atBottom.current = hold.current === null;
  }, [loaded, items.length, startAt]);
  // Telling the owner whether the newest row is in view, from what the box shows (not from intent:
  // a list held at the "new messages" line with rows below the view is not at the newest).
  const onBottom = useRef(onAtBottomChange);
  onBottom.current = onAtBottomChange;
  const reported = useRef<boolean | null>(null);
  const report = () => {
    const el = box.current;
    if (!el || !opened.current) return;
    if (hold.current !== null) showsAll.current = gapOf(el) < END_PX;
    const now = gapOf(el) < BOTTOM_SLACK_PX;
    if (now === reported.current) return;
    reported.current = now;
    onBottom.current?.(now);
  };
  const release = () => {
    const el = box.current;
    if (hold.current === null || !el) return;
    hold.current = null;
    atBottom.current = gapOf(el) < BOTTOM_SLACK_PX;
  };
  const lastSeen = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    const grew = opened.current && lastSeen.current !== undefined && lastKey !== lastSeen.current;
    lastSeen.current = lastKey;
    if (!jumping.current && items.length > 0) {
      // A new row at the end while the held line showed every row below it (the unread fitted): the
      // user is at the newest, so the list follows the newest from now on, as at the bottom.
      if (grew && hold.current !== null && showsAll.current) {
        hold.current = null;
        atBottom.current = true;
      }
      const index = holdIndex();
      if (index >= 0) virtualizer.scrollToIndex(index, { align: 'start' });
      else if (atBottom.current) virtualizer.scrollToIndex(items.length - 1, { align: 'end' });
    }
    report();
  }, [lastKey, items.length, loaded, virtualizer]);

  useLayoutEffect(() => {
    if (!controls) return;
    controls.current = {
      toBottom: () => {
        const el = box.current;
        hold.current = null;
        atBottom.current = true;
        if (el) el.scrollTop = el.scrollHeight;
      },
    };
    return () => {
      controls.current = null;
    };
  }, [controls]);

  // Staying at the bottom (or at the held row) when the box or its content changes height with no
  // new row: the browser keeps the scroll offset, so a box shrunk by a banner above it or by a
  // taller message box below it would hide the newest rows, as would rows measured taller than
  // estimated. No scroll event comes for these, so they are watched here.
  const content = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = box.current;
    const inner = content.current;
    if (!el || !inner) return;
    const stick = () => {
      if (!jumping.current && opened.current) {
        const index = holdIndex();
        if (index >= 0) virtualizer.scrollToIndex(index, { align: 'start' });
        else if (atBottom.current && gapOf(el) > 1) el.scrollTop = el.scrollHeight;
      }
      report();
    };
    const observer = new ResizeObserver(stick);
    observer.observe(el);
    observer.observe(inner);
    return () => observer.disconnect();
  }, [virtualizer]);

  // Jumping: bring the row to the middle once it is among the rows (the caller loads older ones until it is).
  const jumpIndex = jumpTo ? items.findIndex((item) => itemKey(item) === jumpTo) : -1;
  const jumped = useRef(onJumped);
  jumped.current = onJumped;
  useEffect(() => {
    if (!jumpTo || jumpIndex < 0) return;
    atBottom.current = false;
    hold.current = null;
    virtualizer.scrollToIndex(jumpIndex, { align: 'center' });
    // The library settles the offset over frames as rows get measured; say "there" once it is drawn.
    let frames = 0;
    let handle = 0;
    const check = () => {
      const row = box.current?.querySelector(`[data-key="${CSS.escape(jumpTo)}"]`);
      if (row || frames++ > 60) {
        jumping.current = null;
        if (row) jumped.current?.(jumpTo);
        return;
      }
      virtualizer.scrollToIndex(jumpIndex, { align: 'center' });
      handle = requestAnimationFrame(check);
    };
    handle = requestAnimationFrame(check);
    return () => cancelAnimationFrame(handle);
  }, [jumpTo, jumpIndex, virtualizer]);

  // Keeping the view still when rows come above it: the row in the middle of the view (the anchor) is
  // noted on each scroll, with where it showed in the box, and when it has moved down the list (older
  // rows arrived, even below a first row that stays, such as a day divider, which is why it is not the
  // top row) the scroll position moves as far as it did, so what is on screen stays put. The box is
  // moved from where it is now, not set to where the anchor was seen: a scroll since the note (its event
  // not yet come) is kept. Rows drawn with the new ones are measured over the next frames (at once, when
  // the reader had stopped scrolling), which moves the rows from their estimated places: until anything
  // else moves the box, the anchor is brought back to where it should show each frame, for a few frames.
  const anchor = useRef<{ readonly key: string; readonly index: number; readonly start: number; readonly top: number; readonly shown: number } | null>(null);
  const rowTop = (el: HTMLElement, key: string): number | null => {
    const row = el.querySelector(`[data-key="${CSS.escape(key)}"]`);
    return row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top : null;
  };
  const noteAnchor = (el: HTMLElement) => {
    const middle = virtualizer.getVirtualItemForOffset(el.scrollTop + el.clientHeight / 2);
    if (!middle) {
      anchor.current = null;
      return;
    }
    const key = String(middle.key);
    anchor.current = { key, index: middle.index, start: middle.start, top: el.scrollTop, shown: rowTop(el, key) ?? middle.start - el.scrollTop };
  };
  useLayoutEffect(() => {
    const el = box.current;
    const was = anchor.current;
    if (!el || !was || atBottom.current || jumping.current) return;
    const index = items.findIndex((item) => itemKey(item) === was.key);
    const start = virtualizer.measurementsCache[index]?.start;
    if (index <= was.index || start === undefined) return;
    // Where the anchor should show: where it was, less any scroll the reader made since.
    const target = was.shown - (el.scrollTop - was.top);
    el.scrollTop += start - was.start;
    anchor.current = { ...was, index, start };
    // Held only while every move of the box since is the library's or this one's: any other (the reader,
    // or a script) lets go, with no input event needed to tell.
    const writes = libraryWrites.current;
    const moves = writes.moves;
    let top = el.scrollTop;
    let shifted = writes.shifted;
    let frames = 0;
    let handle = 0;
    const settle = () => {
      const movedByOthers = Math.abs(el.scrollTop - (top + writes.shifted - shifted)) > 1 || writes.moves !== moves;
      if (movedByOthers || atBottom.current || jumping.current || frames++ >= SETTLE_FRAMES) return;
      const shown = rowTop(el, was.key);
      if (shown !== null && Math.abs(shown - target) >= 1) el.scrollTop += shown - target;
      top = el.scrollTop;
      shifted = writes.shifted;
      handle = requestAnimationFrame(settle);
    };
    handle = requestAnimationFrame(settle);
    return () => cancelAnimationFrame(handle);
  }, [items, itemKey, virtualizer]);

  // Asking for older rows: once at a time, again after each answer while the view is still near the top.
  const loading = useRef(false);
  const [olderLoading, setOlderLoading] = useState(false);
  const [olderError, setOlderError] = useState<Error | null>(null);
  const older = useRef({ hasOlder, onReachTop });
  older.current = { hasOlder, onReachTop };
  const askOlder = (after: 'scroll' | 'answer') => {
    const el = box.current;
    const { hasOlder: more, onReachTop: ask } = older.current;
    if (!el || !more || !ask || loading.current || el.scrollTop >= TOP_SLACK_PX) return;
    loading.current = true;
    setOlderLoading(true);
    if (after === 'scroll') setOlderError(null);
    Promise.resolve(ask()).then(
      () => {
        loading.current = false;
        setOlderLoading(false);
        setOlderError(null);
        // The rows of the answer are drawn (and the anchor kept) before the top is looked at again.
        requestAnimationFrame(() => requestAnimationFrame(() => askOlder('answer')));
      },
      (error: unknown) => {
        loading.current = false;
        setOlderLoading(false);
        setOlderError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };

  const rows = virtualizer.getVirtualItems();
  return (
    <>
      {hasOlder && (typeof olderNote === 'function' ? olderNote(olderError, olderLoading) : olderNote)}
      <div
        ref={box}
        className={className}
        role="list"
        aria-label={label}
        // Focusable, so the list scrolls from the keyboard (a scrolling region must be reachable).
        tabIndex={0}
        data-count={items.length}
        onScroll={(e) => {
          const el = e.currentTarget;
          // Near the bottom is at the bottom; only a scroll up leaves it. A box shrunk under the view
          // (or rows grown) before the observer above brought it back is not the user leaving.
          if (gapOf(el) < BOTTOM_SLACK_PX) atBottom.current = true;
          else if (el.scrollTop < lastTop.current - 1 && !hold.current) atBottom.current = false;
          lastTop.current = el.scrollTop;
          report();
          noteAnchor(el);
          askOlder('scroll');
        }}
        // At the very top the box does not scroll, so no scroll event comes: the wheel and the keys
        // that go up still ask (again, after a failure). The user's own scrolling lets go of a held row.
        onWheel={(e) => {
          release();
          if (e.deltaY < 0) askOlder('scroll');
        }}
        onKeyDown={(e) => {
          release();
          if (e.key === 'PageUp' || e.key === 'Home' || e.key === 'ArrowUp') askOlder('scroll');
        }}
        onPointerDown={release}
        onTouchStart={release}
      >
        <div ref={content} style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {rows.map((row) => {
            const item = items[row.index] as T;
            const key = String(row.key);
            const classes = [rowClassName?.(item), key === jumpTo ? 'jumped' : undefined].filter(Boolean).join(' ');
            return (
              <div
                role="listitem"
                key={key}
                ref={virtualizer.measureElement}
                data-index={row.index}
                data-key={key}
                {...rowData?.(item)}
                className={classes || undefined}
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${row.start}px)` }}
              >
                {renderItem(item, row.index)}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
