/** An invite link (`http(s)://HOST/invite/TOKEN`) or a bare 43-character token, as opposed to a room name. */
export function isInvite(text: string): boolean {
  return /\/invite\/[A-Za-z0-9_-]{43}([?#].*)?$/.test(text) || /^[A-Za-z0-9_-]{43}$/.test(text);
}
