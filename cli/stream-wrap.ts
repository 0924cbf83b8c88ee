import stringWidth from 'string-width';

/**
 * Wraps text that arrives in pieces (a model's streamed answer) at word boundaries to `columns`
 * terminal columns, writing each finished word as soon as it is known to fit, so the terminal never
 * breaks a word: a word is held back only until the space or newline after it (or the end) arrives.
 * Spaces at a break are dropped; newlines in the text are kept; a word wider than the whole line is
 * written on a line of its own, whole (as wrap-ansi does without `hard`). Widths by string-width
 * (East Asian wide characters count two). The text is expected neutralized: no control sequences.
 */
export class StreamWrapper {
  /** Columns used on the current line. */
  private column = 0;
  /** The word being received (not yet written). */
  private word = '';
  /** The spaces between the last word written and `word` (written only if the word stays on the line). */
  private spaces = '';

  constructor(
    private readonly columns: number,
    private readonly write: (text: string) => void,
  ) {}

  /** Takes the next piece of the text. */
  push(text: string): void {
    for (const c of text) {
      if (c === '\n') {
        this.place();
        this.write('\n');
        this.column = 0;
        this.spaces = '';
      } else if (c === ' ' || c === '\t') {
        this.place();
        this.spaces += c;
      } else this.word += c;
    }
  }

  /** Writes the word still held back; the line is left open (the caller ends it). */
  end(): void {
    this.place();
  }

  /** Writes the word received so far, on this line when it fits after the spaces, else on the next. */
  private place(): void {
    if (this.word === '') return;
    const width = stringWidth(this.word);
    const gap = stringWidth(this.spaces);
    if (this.column > 0 && this.column + gap + width > this.columns) {
      this.write('\n');
      this.column = 0;
    } else if (gap > 0) {
      this.write(this.spaces);
      this.column += gap;
    }
    this.write(this.word);
    this.column += width;
    this.word = '';
    this.spaces = '';
  }
}
