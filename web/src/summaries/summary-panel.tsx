import { useEffect, useRef, useState } from 'react';
import type { Summary, SummaryProvider, SummaryType } from '../../../shared/protocol/index.js';
import { neutralize, neutralizeLines } from '../../../shared/text/neutralize.js';
import { Button } from '../components/ui/button.js';
import type { SummaryProgress } from './browser-summary.js';

/** Props of {@link SummaryPanel}. */
export interface SummaryPanelProps {
  /** The room's name as shown (`#name`, `🔒 name`, `@peer`). */
  readonly title: string;
  /** Whether the room is end-to-end encrypted (then the summary is made on this device). */
  readonly private: boolean;
  /** Makes the summary (see summarizeInBrowser); a rejection's message is shown. */
  readonly summarize: (type: SummaryType, progress: SummaryProgress) => Promise<{ summary: Summary; unread: number }>;
  readonly onClose: () => void;
}

const TYPES: readonly { readonly type: SummaryType; readonly label: string }[] = [
  { type: 'general', label: 'General' },
  { type: 'detailed', label: 'Detailed' },
  { type: 'bullets', label: 'Bullet points' },
  { type: 'topics', label: 'By topic' },
];

/** Why a private room's summary is made here and never by a remote AI provider. */
export const PRIVATE_SUMMARY_NOTE =
  'Made on this device by the offline summarizer: the messages are decrypted in this browser and never leave it. ' +
  'A remote AI provider is not offered here: calling one from this page would widen its Content-Security-Policy, ' +
  'which lets the page connect to this server only (the terminal client can use your own provider, with your consent).';

function providerLine(p: SummaryProvider | null): string {
  if (!p) return '';
  return p.kind === 'offline' ? 'offline summarizer' : `${p.model} on the server's provider`;
}

/**
 * A room's summary streamed into a panel: the text as the model writes it (open rooms whose server
 * has a model), or the offline summary once made, then its topics, participants and range. Asking
 * again (another type) cancels nothing: the earlier answer is ignored. Escape (focus inside) or Close dismisses it.
 */
export function SummaryPanel({ title, private: isPrivate, summarize, onClose }: SummaryPanelProps) {
  const [type, setType] = useState<SummaryType>('general');
  const [text, setText] = useState('');
  const [step, setStep] = useState<string | null>(null);
  const [provider, setProvider] = useState<SummaryProvider | null>(null);
  const [result, setResult] = useState<{ summary: Summary; unread: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [streamed, setStreamed] = useState(false);
  const run = useRef(0);
  const section = useRef<HTMLElement>(null);

  const start = (t: SummaryType) => {
    const mine = ++run.current;
    const live = () => mine === run.current;
    setText('');
    setResult(null);
    setError(null);
    setProvider(null);
    setStreamed(false);
    setStep(isPrivate ? null : 'Asking the server…');
    summarize(t, {
      onStart: (p) => live() && (setProvider(p), setStep('Writing…')),
      onText: (delta) => live() && (setStreamed(true), setText((before) => before + delta)),
      onStep: (s) => live() && setStep(s),
    }).then(
      (r) => {
        if (!live()) return;
        setResult(r);
        setText(r.summary.text);
        setProvider(r.summary.provider);
        setStep(null);
      },
      (e: unknown) => {
        if (!live()) return;
        setError((e as Error).message);
        setStep(null);
      },
    );
  };

  // Summarized once on opening; the type picker asks again. The focus moves into the panel, so
  // Escape closes it and a screen reader reads it next.
  useEffect(() => {
    section.current?.focus();
    start(type);
  }, []);

  const summary = result?.summary;
  return (
    <section ref={section} tabIndex={-1} className="panel-sheet summary-panel min-w-0 overflow-auto border-b border-line bg-panel px-3 pb-2 md:px-4" aria-label={`Summary of ${neutralize(title)}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="panel-head summary-head flex min-w-0 flex-wrap items-center gap-2 pt-2 pb-1">
        <h2 className="m-0 mr-auto min-w-0 text-base font-semibold [overflow-wrap:anywhere]">
          Summary of <bdi>{neutralize(title)}</bdi>
        </h2>
        <label className="flex items-center gap-1 text-sm text-dim">
          Kind{' '}
          <select
            className="h-7 rounded-md border border-line bg-bg px-1 text-fg"
            value={type}
            onChange={(e) => {
              const t = e.target.value as SummaryType;
              setType(t);
              start(t);
            }}
          >
            {TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <Button variant="secondary" size="sm" onClick={onClose}>
          Close
        </Button>
      </div>
      <p className="summary-status my-1 text-sm text-dim [overflow-wrap:anywhere]" role="status">
        {error ? neutralize(error) : (step ?? (provider ? `By the ${providerLine(provider)}` : ''))}
      </p>
      <div className="summary-text [overflow-wrap:anywhere] whitespace-pre-wrap" aria-live="polite" aria-busy={result === null && error === null} data-streamed={streamed}>
        {neutralizeLines(text).map((line, i) => (
          <p key={i} className="my-0.5">{line || ' '}</p>
        ))}
      </div>
      {summary && (
        <dl className="summary-facts my-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-sm [overflow-wrap:anywhere]">
          <dt className="text-dim">Messages</dt>
          <dd>
            {summary.range.messages}
            {result.unread > 0 ? ` (${result.unread} not decrypted yet, left out)` : ''}
          </dd>
          {summary.topics.length > 0 && (
            <>
              <dt className="text-dim">Topics</dt>
              <dd>{neutralize(summary.topics.join(', '))}</dd>
            </>
          )}
          {summary.participants.length > 0 && (
            <>
              <dt className="text-dim">Who</dt>
              <dd>{neutralize(summary.participants.map((p) => `${p.username} (${p.messages})`).join(', '))}</dd>
            </>
          )}
        </dl>
      )}
      {isPrivate && <p className="summary-note text-sm text-dim">{PRIVATE_SUMMARY_NOTE}</p>}
    </section>
  );
}
