/**
 * The reactions every client offers at once, in this order: the TUI's `+` prompt by the keys 1–8,
 * the web page's reaction picker as buttons. Any other single emoji may be typed instead.
 */
export const QUICK_REACTIONS: readonly string[] = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '✓'];
