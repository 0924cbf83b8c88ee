import { ChatError } from '../shared/protocol/index.js';

/** What `chat join` and the TUI's `/join` were given: an invite (its token) or an open room's name. */
export type JoinTarget = { readonly kind: 'invite'; readonly token: string } | { readonly kind: 'room'; readonly name: string };

const SHAPE = 'https://HOST/invite/TOKEN';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const INVITE_PATH = /^\/invite\/([A-Za-z0-9_-]{43})\/?$/;
/** Opening brackets and quotes a link is pasted in, and what may close it or end the sentence after it. */
const LEADING = /^[<"'“‘«([]+/;
const TRAILING = /[>"'”’».,;:!?)\]]+$/;
/** A scheme (`http:`, `mailto:`), a path or an invite path: text meant as a link, never a room name. */
const LINK_LIKE = /^[a-z][a-z0-9+.-]*:|\//i;

/**
 * Reads a `chat join` argument: an invite link (`http(s)://HOST/invite/TOKEN`, with any query or
 * fragment) or a bare 43-character token, found inside surrounding whitespace, angle brackets,
 * quotes and trailing sentence punctuation (`.`, `,`, `;`, `:`, `!`, `?`, `)`, `]`) as links are
 * pasted from mail and chat; anything else is a room name. Throws ChatError('invalid_request') ("not
 * a valid invite link: …") for text that looks like a link (a scheme or a `/`) but is not an invite
 * link, so that it is never sent to the server as a room name, and for text of more than one line
 * ("N lines of text; pass only the link", without echoing it); a long line is echoed cut to 80 characters.
 */
export function joinTarget(text: string): JoinTarget {
  const bare = unwrap(text);
  if (TOKEN.test(bare)) return { kind: 'invite', token: bare };
  if (!LINK_LIKE.test(bare)) return { kind: 'room', name: text };
  const lines = bare.split(/\r?\n|\r/).filter((l) => l.trim() !== '').length;
  if (lines > 1) throw new ChatError('invalid_request', `not a valid invite link: ${lines} lines of text; pass only the link (an invite link looks like ${SHAPE})`);
  let url: URL | undefined;
  try {
    url = new URL(bare);
  } catch {
    url = undefined;
  }
  const token = url && (url.protocol === 'http:' || url.protocol === 'https:') ? INVITE_PATH.exec(url.pathname)?.[1] : undefined;
  if (!token) throw new ChatError('invalid_request', `not a valid invite link: ${shorten(bare)} (an invite link looks like ${SHAPE})`);
  return { kind: 'invite', token };
}

/** The text, cut to 80 characters with an ellipsis, so an error never echoes a pasted blob. */
function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** The text without surrounding whitespace, brackets, quotes and trailing punctuation. */
function unwrap(text: string): string {
  let current = text;
  for (;;) {
    const next = current.trim().replace(LEADING, '').replace(TRAILING, '').trim();
    if (next === current) return current;
    current = next;
  }
}
