import { describe, expect, it } from 'vitest';
import { toTsvector } from '../../shared/search/index.js';
import { makeSearchTerms, SearchTermsOf, searchTextsToSend, withSearchTerms } from './search-terms.js';

const SENTENCES = ['the server is deploying the release', 'Der Server läuft wieder, die Tests sind grün', 'привет, deploy сервер завтра', '東京都 deploy 明日'];

describe('search terms as a query parameter', () => {
  it('are the terms toTsvector makes, for one text, a list with nulls, or null, and leave other parameters alone', () => {
    const params = ['id', new SearchTermsOf(SENTENCES[0] as string), new SearchTermsOf([...SENTENCES, null]), new SearchTermsOf(null), 7];
    expect(withSearchTerms(params)).toEqual(['id', toTsvector(SENTENCES[0] as string), [...SENTENCES.map((t) => toTsvector(t)), null], null, 7]);
    const plain = ['a', 1];
    expect(withSearchTerms(plain)).toBe(plain);
    expect(withSearchTerms(undefined)).toBeUndefined();
  });

  it('cross to another thread as texts and are made there byte for byte as here', () => {
    const params = [new SearchTermsOf(SENTENCES), 'x', new SearchTermsOf(SENTENCES[1] as string)];
    const sent = searchTextsToSend(params);
    expect(sent.terms).toEqual([0, 2]);
    // What postMessage delivers: a structured clone, in which a class would be a plain object.
    const received = structuredClone(sent);
    expect(received.params).toEqual([SENTENCES, 'x', SENTENCES[1]]);
    expect(makeSearchTerms(received.params, received.terms)).toEqual(withSearchTerms(params));
    expect(searchTextsToSend(['a'])).toEqual({ params: ['a'], terms: undefined });
  });

  it('refuse a parameter that holds no text where terms are asked for', () => {
    expect(() => makeSearchTerms([{ texts: 'hello' }], [0])).toThrow(TypeError);
    expect(() => makeSearchTerms([[1, 2]], [0])).toThrow(TypeError);
  });
});
