/** How often the wheel turns, at most: the heartbeat period is cut into slots of about this many ms. */
export const HEARTBEAT_SLOT_MS = 100;
/** The most slots a wheel has (a longer period gets longer slots). */
export const HEARTBEAT_MAX_SLOTS = 1_000;

/**
 * The sockets' heartbeat spread over its period, like a timing wheel: the period is cut into slots of
 * about HEARTBEAT_SLOT_MS, each socket sits in one slot, and each turn of the wheel hands back the next
 * slot's sockets, so every socket comes due once per period and a turn handles about
 * `sockets / slots` of them. Pinging every socket in one turn instead (10,000 pings, each a write
 * system call) held the event loop for 150–350 ms on one core, and every message waited that long.
 *
 * At most HEARTBEAT_MAX_SLOTS slots. An added socket takes the emptiest slot (the first one from where
 * the last add left off, when several are as empty), so sockets that connect together (after a restart,
 * 10,000 within a second or two) spread over the period, and so do those left after any pattern of
 * closes; a socket's first turn comes within one period of its add. A period under 150 ms is one slot:
 * every turn hands back every socket (tests use such periods).
 *
 * The wheel follows a clock (`advance`), not the count of timer callbacks: a timer that fires late
 * (the event loop busy) makes the next call hand back every slot that came due meanwhile, so each
 * socket is still pinged once per period of wall time, which proxies' idle timeouts rely on.
 *
 * Source of the structure: G. Varghese and T. Lauck, "Hashed and Hierarchical Timing Wheels", SOSP 1987.
 */
export class HeartbeatWheel<T> {
  /** Milliseconds between turns: the period divided by the number of slots. */
  readonly turnMs: number;
  private readonly slots: Set<T>[];
  private readonly slotOf = new Map<T, number>();
  private cursor = 0;
  private nextSlot = 0;
  /** Turns made since `startMs`, as `advance` counts them. */
  private turnsDone = 0;

  /**
   * `periodMs`: how often each socket comes due, in ms (> 0); `startMs`: the clock's reading now, in ms
   * (the clock `advance` is given). Throws RangeError for a period that is not positive.
   */
  constructor(
    periodMs: number,
    private readonly startMs = 0,
  ) {
    if (!(periodMs > 0)) throw new RangeError(`heartbeat period must be positive, got ${periodMs}`);
    const count = Math.min(HEARTBEAT_MAX_SLOTS, Math.max(1, Math.round(periodMs / HEARTBEAT_SLOT_MS)));
    this.turnMs = periodMs / count;
    this.slots = Array.from({ length: count }, () => new Set<T>());
  }

  /** Puts `item` in the emptiest slot (a second add of the same item is ignored). */
  add(item: T): void {
    if (this.slotOf.has(item)) return;
    const count = this.slots.length;
    let slot = this.nextSlot;
    for (let i = 1; i < count && (this.slots[slot] as Set<T>).size > 0; i++) {
      const candidate = (this.nextSlot + i) % count;
      if ((this.slots[candidate] as Set<T>).size < (this.slots[slot] as Set<T>).size) slot = candidate;
    }
    this.nextSlot = (slot + 1) % count;
    (this.slots[slot] as Set<T>).add(item);
    this.slotOf.set(item, slot);
  }

  /** Takes `item` out of the wheel; false if it was not in it. */
  delete(item: T): boolean {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return false;
    this.slotOf.delete(item);
    return (this.slots[slot] as Set<T>).delete(item);
  }

  /** How many items the wheel holds. */
  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Turns the wheel by every slot that has come due by `nowMs` (the clock given at construction) and
   * returns their items, and whether one of those turns began a new period. At most one whole period
   * at once: a clock that jumped further ahead hands back each item once, and the wheel counts on from
   * `nowMs`.
   */
  advance(nowMs: number): { due: T[]; newPeriod: boolean } {
    const target = Math.floor((nowMs - this.startMs) / this.turnMs);
    let turns = target - this.turnsDone;
    if (turns > this.slots.length) turns = this.slots.length;
    this.turnsDone = Math.max(this.turnsDone, target);
    const due: T[] = [];
    let newPeriod = false;
    for (let i = 0; i < turns; i++) {
      this.cursor = (this.cursor + 1) % this.slots.length;
      for (const item of this.slots[this.cursor] as Set<T>) due.push(item);
      newPeriod ||= this.cursor === 0;
    }
    return { due, newPeriod };
  }

  /**
   * Turns the wheel one slot and returns that slot's items (a copy: the caller may delete while it
   * goes through them) and whether this turn began a new period (the wheel came back to slot 0).
   */
  turn(): { due: T[]; newPeriod: boolean } {
    this.cursor = (this.cursor + 1) % this.slots.length;
    return { due: [...(this.slots[this.cursor] as Set<T>)], newPeriod: this.cursor === 0 };
  }
}
