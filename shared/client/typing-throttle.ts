/** How often a "still typing" is sent again while the user keeps typing. */
export const TYPING_REFRESH_MS = 3_000;

/**
 * Turns every keystroke's "typing or not" into few typing frames: a start at most every few seconds
 * while typing continues, and one stop when the text is cleared (a sent message ends typing on the
 * receivers' side by itself).
 */
export class TypingThrottle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly sendFrame: (roomId: string, state: 'start' | 'stop') => void,
    private readonly now: () => number = Date.now,
  ) {}

  update(roomId: string, active: boolean): void {
    const last = this.last.get(roomId);
    if (active) {
      if (last !== undefined && this.now() - last < TYPING_REFRESH_MS) return;
      this.last.set(roomId, this.now());
      this.sendFrame(roomId, 'start');
    } else if (last !== undefined) {
      this.last.delete(roomId);
      this.sendFrame(roomId, 'stop');
    }
  }

  /** A message went out: the next keystroke starts afresh. */
  sent(roomId: string): void {
    this.last.delete(roomId);
  }
}
