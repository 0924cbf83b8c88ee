import { senderHue } from '../../../shared/text/sender-colour.js';
import type { SenderHue } from '../../../shared/text/sender-colour.js';

/** The TUI's colour themes. `system` follows the terminal's background. */
export type ThemeChoice = 'dark' | 'light' | 'system';

export interface Theme {
  readonly name: 'dark' | 'light';
  readonly text: string;
  readonly dim: string;
  readonly accent: string;
  readonly selectedBg: string;
  readonly warn: string;
  readonly error: string;
  /** Each sender hue (shared with the other clients, see shared/text/sender-colour.ts) as an Ink colour. */
  readonly senders: Readonly<Record<SenderHue, string>>;
}

export const THEMES: Record<'dark' | 'light', Theme> = {
  dark: { name: 'dark', text: 'white', dim: 'gray', accent: 'cyan', selectedBg: 'blue', warn: 'yellow', error: 'red', senders: { cyan: 'cyan', magenta: 'magenta', yellow: 'yellow', green: 'green', blue: 'blueBright', red: 'redBright' } },
  light: { name: 'light', text: 'black', dim: 'gray', accent: 'blue', selectedBg: 'cyan', warn: 'yellow', error: 'red', senders: { cyan: 'cyan', magenta: 'magenta', yellow: 'yellow', green: 'green', blue: 'blue', red: 'red' } },
};

/**
 * The terminal's background from COLORFGBG ("fg;bg", set by many terminals): colours 0–6 and 8 are
 * dark, 7 and 9–15 light. Unknown: dark, the common default.
 */
export function systemTheme(env: Readonly<Record<string, string | undefined>>): 'dark' | 'light' {
  const bg = Number(env.COLORFGBG?.split(';').at(-1));
  if (!Number.isInteger(bg)) return 'dark';
  return bg === 7 || (bg >= 9 && bg <= 15) ? 'light' : 'dark';
}

export function resolveTheme(choice: ThemeChoice, env: Readonly<Record<string, string | undefined>>): Theme {
  return THEMES[choice === 'system' ? systemTheme(env) : choice];
}

/** A sender's colour: the same hue for a user in every room, every run and every client. */
export function senderColor(theme: Theme, username: string): string {
  return theme.senders[senderHue(username)];
}
