import { useState } from 'react';
import type { FormEvent } from 'react';
import { unsearchedNotice } from '../../../shared/client/search-everywhere.js';
import type { KeyRemedies, SearchAnswer as FullAnswer } from '../../../shared/client/search-everywhere.js';
import type { SearchHit, Snippet } from '../../../shared/protocol/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { Button } from '../components/ui/button.js';
import { Input } from '../components/ui/input.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import { Label } from '../components/ui/label.js';
import { splitSearchOptions } from '../../../shared/search/search-options.js';
import type { SearchScope } from '../../../shared/search/search-options.js';

/** What a search answered: its hits, and the private messages (and rooms) this browser could not search yet, with why (see searchEverywhere). */
export type SearchAnswer = Omit<FullAnswer, 'hits'> & { readonly hits: readonly SearchHit[] };

/**
 * The web's words for what brings this browser the keys of private rooms: while it is not verified,
 * the banner's approval or recovery key; once verified, the Key backup panel.
 */
function webRemedies(answer: SearchAnswer): KeyRemedies {
  return {
    approve: 'approve this browser from another of your devices',
    restore: answer.device === 'unapproved' ? 'enter your recovery key (Verify with the recovery key, above)' : 'restore your key backup with your recovery key (Key backup)',
  };
}

/**
 * The line under the search box once a search answered: how many results, then, when some private
 * messages could not be searched in this browser, how many, in how many rooms, and how to bring
 * their keys (the sentence every client shows, shared/client/search-everywhere.ts).
 */
export function searchStatusText(answer: SearchAnswer): string {
  const found = answer.hits.length === 0 ? 'No messages found' : `${answer.hits.length} result${answer.hits.length === 1 ? '' : 's'}`;
  const unsearched = unsearchedNotice(answer, webRemedies(answer));
  return unsearched ? `${found} · ${unsearched}.` : found;
}

/** Props of {@link SearchPanel}. */
export interface SearchPanelProps {
  /** Runs a search (see BrowserSearch.search); a rejection's message is shown. */
  /** Searches `query` in the rooms, from the sender and since the time `scope` names (`--room`, `--from`, `--since` in the box). */
  readonly search: (query: string, scope: SearchScope) => Promise<SearchAnswer>;
  /** Opens a hit: selects its room and jumps to the message. */
  readonly onOpen: (hit: SearchHit) => void;
  /** How a hit's room is named (`#name`, `🔒 name`, `@peer`). */
  readonly roomTitle: (hit: SearchHit) => string;
  readonly onClose: () => void;
}

/**
 * A snippet with its highlights in `<mark>`: each piece passes the same neutralizing function as
 * every other text from the server or another user (shared/text/neutralize.ts), cut first, so the
 * highlight ranges still fall on the words they mark.
 */
export function HighlightedSnippet({ snippet }: { readonly snippet: Snippet }) {
  const parts: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    if (start < at || end > snippet.text.length) continue;
    if (start > at) parts.push({ text: snippet.text.slice(at, start), marked: false });
    parts.push({ text: snippet.text.slice(start, end), marked: true });
    at = end;
  }
  if (at < snippet.text.length) parts.push({ text: snippet.text.slice(at), marked: false });
  return <bdi>{parts.map((p, i) => (p.marked ? <mark key={i} className="rounded-sm bg-accent text-accent-fg">{neutralize(p.text)}</mark> : <span key={i}>{neutralize(p.text)}</span>))}</bdi>;
}

/** A hit's day and time ("Yesterday 14:05"), by the formatter every client uses (shared/text/time-format.ts). */
const when = (iso: string) => localTimeFormatter().dateTime(Date.parse(iso), Date.now());

/**
 * Search over every room: one query box (the syntax of `chat search`: words, `"a phrase"`,
 * `-excluded`, `a or b`, and its options `--room`, `--from`, `--since`) and one merged, ranked list of hits, open and private rooms together, each
 * a button that opens the message in its room. Escape (focus inside) or Close dismisses it.
 */
export function SearchPanel({ search, onOpen, roomTitle, onClose }: SearchPanelProps) {
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const query = (e.currentTarget.elements.namedItem('q') as HTMLInputElement).value.trim();
    if (!query) return;
    setBusy(true);
    setError(null);
    // The query parser (with the tokenizer's stemmers) loads when first needed, as the private index does.
    // The box takes `chat search`'s options too (--room, --from, --since), as the TUI's /search does.
    import('../../../shared/search/query.js')
      .then(({ unsearchableQuery }) => {
        const { query: words, scope } = splitSearchOptions(query);
        const unsearchable = unsearchableQuery(words);
        if (unsearchable) throw new Error(words ? unsearchable : 'say what to search for as well as where');
        return search(words, scope);
      })
      .then(
        (a) => (setAnswer(a), setBusy(false)),
        (err: unknown) => (setError((err as Error).message), setBusy(false)),
      );
  };

  return (
    <section className="panel-sheet search-panel min-w-0 overflow-auto border-b border-line bg-panel px-3 pb-2 md:px-4" aria-labelledby="search-panel-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      {/* Its own header, kept in view while the results scroll: on a phone the panel lies over the room's. */}
      <div className="panel-head flex min-w-0 items-center gap-2 pt-2 pb-1">
        <h2 id="search-panel-title" className="m-0 mr-auto text-base font-semibold">
          Search
        </h2>
        <Button variant="secondary" size="sm" onClick={onClose}>
          Close
        </Button>
      </div>
      <form role="search" onSubmit={submit} className="flex min-w-0 flex-wrap items-end gap-2">
        <Label className="min-w-0 flex-1 basis-48">
          Search messages
          <Input name="q" type="search" className="bg-bg" placeholder='words, "a phrase", -not, a or b' autoComplete="off" autoFocus />
        </Label>
        <Button type="submit" disabled={busy}>
          Search
        </Button>
      </form>
      <p className="search-status my-1 text-sm text-dim [overflow-wrap:anywhere]" role="status">
        {busy
          ? 'Searching… (private rooms are decrypted and searched in this browser)'
          : error
            ? neutralize(error)
            : answer
              ? searchStatusText(answer)
              : ''}
      </p>
      {answer && answer.hits.length > 0 && (
        <ol className="search-results m-0 grid list-none gap-1 p-0" aria-label="Search results">
          {answer.hits.map((hit) => (
            <li key={hit.eventId} className="min-w-0">
              <button type="button" className="grid w-full min-w-0 cursor-pointer gap-0.5 rounded-md px-2 py-1 text-left text-fg [overflow-wrap:anywhere] hover:bg-bg" onClick={() => onOpen(hit)}>
                <span className="search-where text-sm text-dim">
                  <bdi>{neutralize(roomTitle(hit))}</bdi> · <bdi>{neutralize(hit.sender.username)}</bdi> · <time dateTime={hit.createdAt}>{when(hit.createdAt)}</time>
                  {hit.editedAt && (
                    <>
                      {' '}
                      <time className="search-edited" dateTime={hit.editedAt} title={`edited ${when(hit.editedAt)}`}>
                        (edited)
                      </time>
                    </>
                  )}
                </span>
                <span className="search-snippet">
                  <HighlightedSnippet snippet={hit.snippet} />
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
