import type { ParticipantSummary } from '../protocol/index.js';
import { contentWords, STOPWORDS, stem, tokenize, wordsOf } from '../search/text.js';

/** One message of the conversation to summarize, already decrypted where it was private. */
export interface ConversationLine {
  readonly sender: string;
  readonly text: string;
  /** ISO time. */
  readonly at: string;
}

export interface Sentence {
  /** Position in the conversation. */
  readonly index: number;
  /** The message it comes from. */
  readonly line: number;
  readonly sender: string;
  readonly text: string;
  /** Its content words, stemmed. */
  readonly terms: readonly string[];
  /** Centrality (TextRank), higher is more central; 0 for sentences too short to rank. */
  score: number;
}

export interface Topic {
  /** The stemmed key: one word, or two joined by a space. */
  readonly key: string;
  /** How people wrote it most often. */
  readonly label: string;
  readonly score: number;
  /** How many messages mention it. */
  readonly messages: number;
  /** Which: indexes into the conversation. */
  readonly lines: readonly number[];
  readonly senders: readonly string[];
}

export interface Analysis {
  readonly sentences: readonly Sentence[];
  readonly topics: readonly Topic[];
  readonly participants: readonly ParticipantSummary[];
}

/** Sentences ranked at most: TextRank is quadratic in the worst case. */
const MAX_RANKED = 3_000;
const MIN_TERMS = 3;

export function sentencesOf(lines: readonly ConversationLine[]): Sentence[] {
  const out: Sentence[] = [];
  lines.forEach((line, lineIndex) => {
    for (const raw of line.text.split(/(?<=[.!?])\s+|\n+/)) {
      const text = raw.trim();
      if (!text) continue;
      out.push({ index: out.length, line: lineIndex, sender: line.sender, text, terms: contentWords(text), score: 0 });
    }
  });
  return out;
}

/**
 * TextRank (Mihalcea & Tarau, 2004): sentences are nodes, word overlap normalized by length is the
 * edge weight, and PageRank finds the sentences the rest of the conversation keeps coming back to.
 */
export function rankSentences(sentences: readonly Sentence[]): void {
  const ranked = sentences.filter((s) => new Set(s.terms).size >= MIN_TERMS).slice(-MAX_RANKED);
  const n = ranked.length;
  if (n === 0) return;
  const sets = ranked.map((s) => new Set(s.terms));
  const byTerm = new Map<string, number[]>();
  sets.forEach((set, i) => {
    for (const t of set) byTerm.set(t, [...(byTerm.get(t) ?? []), i]);
  });
  const edges: Map<number, number>[] = ranked.map(() => new Map());
  for (let i = 0; i < n; i++) {
    const overlap = new Map<number, number>();
    for (const t of sets[i] as Set<string>) for (const j of byTerm.get(t) as number[]) if (j > i) overlap.set(j, (overlap.get(j) ?? 0) + 1);
    for (const [j, common] of overlap) {
      const w = common / (Math.log(sets[i]!.size) + Math.log(sets[j]!.size));
      edges[i]!.set(j, w);
      edges[j]!.set(i, w);
    }
  }
  const out = edges.map((e) => [...e.values()].reduce((a, b) => a + b, 0));
  let score = new Array<number>(n).fill(1 / n);
  for (let iter = 0; iter < 30; iter++) {
    const next = new Array<number>(n).fill((1 - 0.85) / n);
    for (let j = 0; j < n; j++) {
      if (out[j] === 0) continue;
      const share = (0.85 * (score[j] as number)) / (out[j] as number);
      for (const [i, w] of edges[j]!) next[i] = (next[i] as number) + share * w;
    }
    score = next;
  }
  ranked.forEach((s, i) => {
    (s as Sentence).score = score[i] as number;
  });
}

/**
 * Topics by TF-IDF over the messages: a word (or a two-word phrase) scores by how often it comes up,
 * damped by how many messages share it, so recurring subjects win over one-off words. Returns the
 * best first, a phrase hiding the single words it contains.
 */
export function topicsOf(lines: readonly ConversationLine[], limit = 8): Topic[] {
  const tf = new Map<string, number>();
  const df = new Map<string, Set<number>>();
  const surfaces = new Map<string, Map<string, number>>();
  const senders = new Map<string, Set<string>>();
  lines.forEach((line, i) => {
    const words = wordsOf(line.text);
    const content = words.map(({ norm: w }) => (w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w) ? w : null));
    // Keys are folded (café and cafe are one topic); labels are the words as written, only lowercased,
    // so a label never loses an accent or a Japanese voicing mark (ジ is not シ).
    const written = words.map((w) => line.text.slice(w.start, w.end).toLowerCase());
    const keys: [string, string][] = [];
    content.forEach((w, k) => {
      if (!w) return;
      keys.push([stem(w), written[k] as string]);
      const next = content[k + 1];
      if (next) keys.push([`${stem(w)} ${stem(next)}`, `${written[k] as string} ${written[k + 1] as string}`]);
    });
    for (const [key, surface] of keys) {
      tf.set(key, (tf.get(key) ?? 0) + 1);
      df.set(key, (df.get(key) ?? new Set()).add(i));
      senders.set(key, (senders.get(key) ?? new Set()).add(line.sender));
      const forms = surfaces.get(key) ?? new Map<string, number>();
      forms.set(surface, (forms.get(surface) ?? 0) + 1);
      surfaces.set(key, forms);
    }
  });
  const n = lines.length;
  const minCount = n >= 6 ? 2 : 1;
  const scored: Topic[] = [];
  for (const [key, count] of tf) {
    const docs = (df.get(key) as Set<number>).size;
    if (docs < minCount) continue;
    const phrase = key.includes(' ');
    const score = count * Math.log(1 + n / docs) * (phrase ? 1.5 : 1);
    const label = [...(surfaces.get(key) as Map<string, number>)].sort((a, b) => b[1] - a[1])[0]![0];
    scored.push({ key, label, score, messages: docs, lines: [...(df.get(key) as Set<number>)], senders: [...(senders.get(key) as Set<string>)] });
  }
  scored.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
  const chosen: Topic[] = [];
  for (const t of scored) {
    const parts = t.key.split(' ');
    // A phrase and its words are one subject: keep whichever came first.
    const overlaps = chosen.some((c) => {
      const cp = c.key.split(' ');
      return cp.some((p) => parts.includes(p));
    });
    if (overlaps) continue;
    chosen.push(t);
    if (chosen.length >= limit) break;
  }
  return chosen;
}

/** Who said how much, and each person's most central sentences and own topics. */
export function participantsOf(lines: readonly ConversationLine[], sentences: readonly Sentence[], topics: readonly Topic[]): ParticipantSummary[] {
  const totalWords = lines.reduce((sum, l) => sum + tokenize(l.text).length, 0);
  const names = [...new Set(lines.map((l) => l.sender))];
  return names
    .map((username) => {
      const own = lines.filter((l) => l.sender === username);
      const words = own.reduce((sum, l) => sum + tokenize(l.text).length, 0);
      const best = sentences
        .filter((s) => s.sender === username && s.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, 2)
        .sort((a, b) => a.index - b.index);
      return {
        username,
        messages: own.length,
        words,
        share: totalWords === 0 ? 0 : words / totalWords,
        mainPoints: best.map((s) => s.text),
        // The conversation's subjects this person spoke about most.
        topics: topics
          .map((t) => ({ label: t.label, own: t.lines.filter((i) => lines[i]?.sender === username).length }))
          .filter((t) => t.own > 0)
          .sort((a, b) => b.own - a.own)
          .slice(0, 3)
          .map((t) => t.label),
      };
    })
    .sort((a, b) => b.words - a.words || a.username.localeCompare(b.username));
}

export function analyze(lines: readonly ConversationLine[]): Analysis {
  const sentences = sentencesOf(lines);
  rankSentences(sentences);
  const topics = topicsOf(lines);
  const subjects = topicsOf(lines, 15);
  // Sentences that carry the conversation's topics weigh a little more.
  const topicTerms = new Set(topics.flatMap((t) => t.key.split(' ')));
  for (const s of sentences) {
    const hits = new Set(s.terms.filter((t) => topicTerms.has(t))).size;
    s.score *= 1 + 0.15 * hits;
  }
  return { sentences, topics, participants: participantsOf(lines, sentences, subjects) };
}
