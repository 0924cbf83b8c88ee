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
 * At most HEARTBEAT_MAX_SLOTS slots. Added sockets take the slots in turn (round robin), so sockets
 * that connect together (after a restart, 10,000 within a second or two) still spread over the period;
 * a socket's first turn comes within one period of its add. A period shorter than two slots is one
 * slot: every turn hands back every socket (tests use such periods).
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

  /** `periodMs`: how often each socket comes due, in ms (> 0); throws RangeError otherwise. */
  constructor(periodMs: number) {
    if (!(periodMs > 0)) throw new RangeError(`heartbeat period must be positive, got ${periodMs}`);
    const count = Math.min(HEARTBEAT_MAX_SLOTS, Math.max(1, Math.round(periodMs / HEARTBEAT_SLOT_MS)));
    this.turnMs = periodMs / count;
    this.slots = Array.from({ length: count }, () => new Set<T>());
  }

  /** Puts `item` in the wheel (a second add of the same item is ignored). */
  add(item: T): void {
    if (this.slotOf.has(item)) return;
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.slots.length;
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
   * Turns the wheel one slot and returns that slot's items (a copy: the caller may delete while it
   * goes through them) and whether this turn began a new period (the wheel came back to slot 0).
   */
  turn(): { due: T[]; newPeriod: boolean } {
    this.cursor = (this.cursor + 1) % this.slots.length;
    return { due: [...(this.slots[this.cursor] as Set<T>)], newPeriod: this.cursor === 0 };
  }
}
