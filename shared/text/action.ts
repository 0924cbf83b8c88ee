/**
 * `/me` actions. There is no action kind in the protocol: `/me waves` is sent as the message text
 * `/me waves` (open rooms in clear, private rooms inside the envelope), and every client draws such a
 * message as an action, `* alice waves`, instead of `alice: /me waves`.
 */

const ME = /^\/me +(?=\S)/;

/** The action of a `/me` message's text (`/me waves` → `waves`); null when the text is not one. */
export function meAction(text: string): string | null {
  const m = ME.exec(text);
  return m ? text.slice(m[0].length) : null;
}
