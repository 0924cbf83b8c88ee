import { Box, Text } from 'ink';
import { neutralize } from '../../../shared/text/neutralize.js';
import type { ActionPrompt as Prompt } from '../state/message-actions.js';
import { QUICK_REACTIONS, snippet } from '../state/message-actions.js';
import type { Theme } from '../state/theme.js';

export interface ActionPromptProps {
  /** The question asked (not null: the app draws nothing then). */
  readonly prompt: NonNullable<Prompt>;
  /** The text of the message it is about, as shown (latest edit; a private one as opened). */
  readonly text: string;
  /** Display columns inside the border. */
  readonly width: number;
  readonly theme: Theme;
}

/** Rows the prompt takes, border included. */
export const actionPromptHeight = (prompt: NonNullable<Prompt>): number => (prompt.kind === 'react' ? 4 : 3);

/**
 * The question before acting on a selected message, above the composer: "Delete bob's message …? y/n",
 * or the reaction picker (the typed emoji, and the quick choices 1–6).
 */
export function ActionPrompt({ prompt, text, width, theme }: ActionPromptProps) {
  const who = neutralize(prompt.target.sender.username);
  const quoted = snippet(text, Math.max(10, width - who.length - 30));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={prompt.kind === 'delete' ? theme.error : theme.accent} paddingX={1}>
      {prompt.kind === 'delete' ? (
        <Text wrap="truncate">{`Delete ${who}'s message "${quoted}" for everyone? y/n`}</Text>
      ) : (
        <>
          <Text wrap="truncate">
            {`React to ${who}'s "${quoted}": ${neutralize(prompt.text)}`}
            <Text inverse> </Text>
          </Text>
          <Text color={theme.dim} wrap="truncate">
            {`${QUICK_REACTIONS.map((r, i) => `${i + 1} ${r}`).join('  ')}  · or type an emoji, Enter · Esc cancels`}
          </Text>
        </>
      )}
    </Box>
  );
}
