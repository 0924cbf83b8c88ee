import { Text } from 'ink';
import { neutralize } from '../../../shared/text/neutralize.js';
import type { Theme } from '../state/theme.js';

/** "alice and bob are typing…" — always one line tall, so the screen does not jump. */
export function TypingLine({ text, theme }: { readonly text: string | null; readonly theme: Theme }) {
  return <Text color={theme.dim}>{text === null ? ' ' : neutralize(text)}</Text>;
}
