import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Tinyld from 'tinyld/light';

// The real detector, counted: which texts the tokenizer runs language detection on.
const detect = vi.hoisted(() => ({ calls: 0 }));
vi.mock('tinyld/light', async (importOriginal) => {
  const real = await importOriginal<typeof Tinyld>();
  return {
    ...real,
    detect: (...args: Parameters<typeof real.detect>) => {
      detect.calls++;
      return real.detect(...args);
    },
  };
});

const { detectLanguage, toTsvector } = await import('./tokens.js');

describe('language detection in toTsvector', () => {
  beforeEach(() => {
    detect.calls = 0;
  });

  it('is skipped for a text whose words stem alike in every language', () => {
    for (const text of ['test build world', 'bench 42 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'ok', 'привет мир', 'v1.2.3 #42']) toTsvector(text);
    expect(detect.calls).toBe(0);
  });

  it('runs once for a text with a word whose stems differ by language', () => {
    toTsvector('the server is deploying the release');
    expect(detect.calls).toBe(1);
  });

  it('gives the terms it gave with the text’s detected language', () => {
    const texts = [
      'test build world',
      'the server is deploying the release',
      'Der Server läuft wieder, die Tests sind grün',
      'Le serveur redémarre après la mise à jour',
      'El servidor se reinicia después de la actualización',
      'привет, deploy сервер завтра',
      'srv-web03.lan is down again, see PLT-3699',
      '東京都 deploy 明日 release notes',
      'message merge done http bench',
      'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 17',
    ];
    for (const text of texts) expect(toTsvector(text)).toBe(toTsvector(text, { language: detectLanguage(text) }));
  });
});
