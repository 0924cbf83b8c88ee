/**
 * Per-user name colours, the same on every surface: `chat read`, the TUI and the web page pick a
 * sender's hue here, each then drawing the hue in its own palette (terminal colour names, CSS colours
 * with enough contrast on light and dark backgrounds).
 */

/** The hues, in the order the hash indexes them. */
export const SENDER_HUES = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;
export type SenderHue = (typeof SENDER_HUES)[number];

/**
 * A stable index in [0, n) for a username, whatever its case: a 31-multiplier string hash (as Java's
 * String.hashCode) over the lower-cased UTF-16 code units, kept to 32 unsigned bits.
 */
export function stableIndex(username: string, n: number): number {
  let h = 0;
  for (const ch of username.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % n;
}

/** The sender's hue: the same for a user in every room, every run and every client. */
export function senderHue(username: string): SenderHue {
  return SENDER_HUES[stableIndex(username, SENDER_HUES.length)] as SenderHue;
}
