import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

/** How close to the bottom (in CSS pixels) still counts as "at the bottom", so new rows keep it there. */
const BOTTOM_SLACK_PX = 40;
/** How close to the top (in CSS pixels) asks for older rows. */
const TOP_SLACK_PX = 200;

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
   * a function is given the error of the last failed `onReachTop` (null when none).
   */
  readonly olderNote?: ReactNode | ((error: Error | null) => ReactNode);
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
 * rows added below follow the bottom while the view was at the bottom ("stick to bottom").
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
  hasOlder = false,
  onReachTop,
  olderNote,
  label,
  className = 'timeline',
}: VirtualTimelineProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lastKey = items.at(-1) ? itemKey(items.at(-1) as T) : undefined;

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => box.current,
    estimateSize: () => estimateSize,
    overscan,
    getItemKey: (index) => itemKey(items[index] as T),
  });

  // Following the bottom: a new last row (or the first rows of a room) keeps the newest in view,
  // unless a jump is on its way (once there, scrolling back to the bottom follows again).
  const jumping = useRef<string | null>(null);
  useLayoutEffect(() => {
    jumping.current = jumpTo;
  }, [jumpTo]);
  useLayoutEffect(() => {
    if (jumping.current || !atBottom.current || items.length === 0) return;
    virtualizer.scrollToIndex(items.length - 1, { align: 'end' });
  }, [lastKey, items.length, virtualizer]);

  // Jumping: bring the row to the middle once it is among the rows (the caller loads older ones until it is).
  const jumpIndex = jumpTo ? items.findIndex((item) => itemKey(item) === jumpTo) : -1;
  const jumped = useRef(onJumped);
  jumped.current = onJumped;
  useEffect(() => {
    if (!jumpTo || jumpIndex < 0) return;
    atBottom.current = false;
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
  // noted on each scroll, and when it has moved down the list (older rows arrived, even below a first
  // row that stays, such as a day divider, which is why it is not the top row) the scroll position
  // follows it, so what is on screen stays put.
  const anchor = useRef<{ readonly key: string; readonly index: number; readonly offset: number } | null>(null);
  const noteAnchor = (el: HTMLElement) => {
    const middle = virtualizer.getVirtualItemForOffset(el.scrollTop + el.clientHeight / 2);
    anchor.current = middle ? { key: String(middle.key), index: middle.index, offset: middle.start - el.scrollTop } : null;
  };
  useLayoutEffect(() => {
    const el = box.current;
    const was = anchor.current;
    if (!el || !was || atBottom.current || jumping.current) return;
    const index = items.findIndex((item) => itemKey(item) === was.key);
    const start = virtualizer.measurementsCache[index]?.start;
    if (index <= was.index || start === undefined) return;
    el.scrollTop = start - was.offset;
    anchor.current = { ...was, index };
  }, [items, itemKey, virtualizer]);

  // Asking for older rows: once at a time, again after each answer while the view is still near the top.
  const loading = useRef(false);
  const [olderError, setOlderError] = useState<Error | null>(null);
  const latest = useRef({ hasOlder, onReachTop });
  latest.current = { hasOlder, onReachTop };
  const askOlder = (after: 'scroll' | 'answer') => {
    const el = box.current;
    const { hasOlder: more, onReachTop: ask } = latest.current;
    if (!el || !more || !ask || loading.current || el.scrollTop >= TOP_SLACK_PX) return;
    loading.current = true;
    if (after === 'scroll') setOlderError(null);
    Promise.resolve(ask()).then(
      () => {
        loading.current = false;
        setOlderError(null);
        // The rows of the answer are drawn (and the anchor kept) before the top is looked at again.
        requestAnimationFrame(() => requestAnimationFrame(() => askOlder('answer')));
      },
      (error: unknown) => {
        loading.current = false;
        setOlderError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };

  const rows = virtualizer.getVirtualItems();
  return (
    <>
      {hasOlder && (typeof olderNote === 'function' ? olderNote(olderError) : olderNote)}
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
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX;
          noteAnchor(el);
          askOlder('scroll');
        }}
        // At the very top the box does not scroll, so no scroll event comes: the wheel and the keys
        // that go up still ask (again, after a failure).
        onWheel={(e) => {
          if (e.deltaY < 0) askOlder('scroll');
        }}
        onKeyDown={(e) => {
          if (e.key === 'PageUp' || e.key === 'Home' || e.key === 'ArrowUp') askOlder('scroll');
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
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
