/**
 * Gathers the questions asked in one turn of the event loop and answers them with one call at its end
 * (`setImmediate`): `run` gets every key asked in the turn, each once, and resolves to an answer per
 * key. Each `ask` resolves to its key's answer (`fallback` when `run` left the key out), or rejects
 * with what `run` threw — every ask of that turn does.
 */
export class TurnBatch<K, V> {
  private pending: Map<K, { resolve: (value: V) => void; reject: (error: unknown) => void }[]> | undefined;

  constructor(
    private readonly run: (keys: K[]) => Promise<Map<K, V>>,
    private readonly fallback: V,
  ) {}

  /** The answer for `key`, read together with every other key asked in this turn. */
  ask(key: K): Promise<V> {
    let batch = this.pending;
    if (!batch) {
      const created = new Map<K, { resolve: (value: V) => void; reject: (error: unknown) => void }[]>();
      this.pending = batch = created;
      setImmediate(() => {
        this.pending = undefined;
        void this.answer(created);
      });
    }
    const waiting = batch;
    return new Promise<V>((resolve, reject) => {
      const list = waiting.get(key);
      if (list) list.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
    });
  }

  private async answer(batch: Map<K, { resolve: (value: V) => void; reject: (error: unknown) => void }[]>): Promise<void> {
    let answers: Map<K, V>;
    try {
      answers = await this.run([...batch.keys()]);
    } catch (error) {
      for (const list of batch.values()) for (const p of list) p.reject(error);
      return;
    }
    for (const [key, list] of batch) {
      const value = answers.has(key) ? (answers.get(key) as V) : this.fallback;
      for (const p of list) p.resolve(value);
    }
  }
}
