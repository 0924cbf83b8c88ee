import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';
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
  /** Asked for older rows when the view comes near the top (not again until the rows change). */
  readonly onReachTop?: () => void;
  /** Shown above the scrolling box while `hasOlder` (outside it, so row offsets stay the list's own). */
  readonly olderNote?: ReactNode;
  /** The list's accessible name. */
  readonly label: string;
  readonly className?: string;
}

/**
 * A long list of rows of any height in a scrolling box, with only the rows in view (and `overscan`
 * more) in the page, so 10,000 messages scroll as smoothly as 50. Windowing and measuring are done
 * by TanStack Virtual (`measureElement` with a ResizeObserver); rows added above the view keep what
 * is on screen where it was (the library moves the scroll position by the height added above it),
 * and rows added below follow the bottom while the view was at the bottom ("stick to bottom").
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
  const askedFor = useRef<string | undefined>(undefined);
  const firstKey = items[0] ? itemKey(items[0]) : undefined;
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

  // A new first row means older rows arrived: the top may ask again.
  useEffect(() => {
    askedFor.current = undefined;
  }, [firstKey]);

  const rows = virtualizer.getVirtualItems();
  return (
    <>
      {hasOlder && olderNote}
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
          if (el.scrollTop < TOP_SLACK_PX && hasOlder && onReachTop && askedFor.current !== firstKey) {
            askedFor.current = firstKey;
            onReachTop();
          }
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
