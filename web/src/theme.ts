/** The colour theme: remembered in localStorage (it is no secret), `system` follows the OS. */
export type ThemeChoice = 'dark' | 'light' | 'system';

const KEY = 'chat.theme';

export function loadTheme(): ThemeChoice {
  const saved = window.localStorage.getItem(KEY);
  return saved === 'dark' || saved === 'light' ? saved : 'system';
}

export function applyTheme(choice: ThemeChoice): void {
  window.localStorage.setItem(KEY, choice);
  document.documentElement.dataset.theme = choice;
}
