/**
 * What every client says when "the last message" cannot be acted on because this user's newest
 * message is still being sent (newestIsSending, shared/client/outbox.ts): the start of the refusal;
 * each client adds what to do instead, in its own terms (the TUI: `/edit it once it is sent`, the
 * web's ↑: `edit it once it is sent`). Its own module, as the web's first page does not need it.
 */
export const LAST_STILL_SENDING = 'your last message is still being sent';
