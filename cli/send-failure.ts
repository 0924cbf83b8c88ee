import { ChatError } from '../shared/protocol/index.js';

/** A word as a POSIX shell reads it back unchanged. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `chat send` command that sends the same message again under its id: the profile (omitted when
 * `default`), the room, `--id`, then `--` and the words, each quoted for a POSIX shell, so that no
 * text (one starting with `-`, quotes, spaces) is read as an option; with no words, the same stdin.
 */
export function retryCommand(send: { readonly profile: string; readonly room: string; readonly id: string; readonly words: readonly string[] }): string {
  const profile = send.profile === 'default' ? '' : `--profile ${shellQuote(send.profile)} `;
  const text = send.words.length > 0 ? ` -- ${send.words.map(shellQuote).join(' ')}` : ' < (the same input)';
  return `chat ${profile}send ${shellQuote(send.room)} --id ${send.id}${text}`;
}

/**
 * What a failed send says, as one statement. `sent`: the send request had been made (errors before
 * it, such as listing a private room's devices, leave nothing stored); `neverSent`: the request
 * never left this machine (its connection was refused). Lost answers (no answer, a reset, a 5xx)
 * leave the outcome unknown: the message may have been stored, and `retry` sends it again safely.
 * Returns a ChatError with the same code; errors that are not `unavailable` or `internal` unchanged.
 */
export function sendFailure<E>(error: E, outcome: { readonly sent: boolean; readonly neverSent: boolean; readonly retry: string }): E | ChatError {
  if (!(error instanceof ChatError) || (error.code !== 'unavailable' && error.code !== 'internal')) return error;
  if (!outcome.sent || outcome.neverSent) return new ChatError(error.code, `${error.message}; the message was not sent.`, { cause: error });
  return new ChatError(error.code, `${error.message}; the message may have been stored. To retry without sending it twice, run:\n  ${outcome.retry}`, { cause: error });
}

/**
 * The server's `key_reused` refusal in the command line's words: another copy of this device (this
 * profile's state copied to another machine, or restored from an older copy) already sent with the
 * same message key, nothing was sent, and what to do. `where` names the room as the user typed it;
 * `again`, the command that sends it again (the refusal started a new sending chain on this copy,
 * see `E2ESession.refused`, so it now goes through). Any other error is answered unchanged.
 */
export function explainKeyReuse<E>(error: E, where: string, again?: string): E | ChatError {
  if (!(error instanceof ChatError) || error.code !== 'key_reused') return error;
  return new ChatError(
    'key_reused',
    `another copy of this device already sent a message to ${where} with the same encryption key: this profile's state (CHAT_HOME) was copied to another machine, or restored from an older copy. Nothing was sent: the members could not have read both. Use one copy only: on the other machine delete its CHAT_HOME and sign in there with \`chat login\`, which makes it a new device (do not revoke this device: the copy you keep is it). This copy now sends to ${where} under a new encryption key, so sending again goes through${again ? `:\n  ${again}` : ': run the same command again'}`,
    { cause: error },
  );
}
