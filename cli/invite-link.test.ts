import { describe, expect, it } from 'vitest';
import { joinTarget } from './invite-link.js';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';
const LINK = `http://127.0.0.1:8787/invite/${TOKEN}`;

describe('joinTarget', () => {
  it('takes a link or a bare token as an invite, and anything else as a room name', () => {
    expect(TOKEN).toHaveLength(43);
    expect(joinTarget(LINK)).toEqual({ kind: 'invite', token: TOKEN });
    expect(joinTarget(`https://chat.example/invite/${TOKEN}?from=mail#top`)).toEqual({ kind: 'invite', token: TOKEN });
    expect(joinTarget(TOKEN)).toEqual({ kind: 'invite', token: TOKEN });
    expect(joinTarget('general')).toEqual({ kind: 'room', name: 'general' });
    expect(joinTarget('team-2_b')).toEqual({ kind: 'room', name: 'team-2_b' });
  });

  it.each([
    [`${LINK}.`],
    [`${LINK},`],
    [`${LINK});`],
    [`${LINK}!?`],
    [`<${LINK}>`],
    [`<${LINK}>.`],
    [`"${LINK}"`],
    [`'${LINK}'`],
    [`“${LINK}”.`],
    [`(${LINK})`],
    [`[${LINK}]`],
    [`  ${LINK}\n`],
    [`${TOKEN}.`],
  ])('finds the invite in %j, pasted with punctuation around it', (text) => {
    expect(joinTarget(text)).toEqual({ kind: 'invite', token: TOKEN });
  });

  it.each([
    ['http://127.0.0.1:8787/invite/short'],
    [`http://127.0.0.1:8787/invite/${TOKEN}x`],
    [`http://127.0.0.1:8787/rooms/${TOKEN}`],
    [`http://127.0.0.1:8787/invite/${TOKEN}/more`],
    [`ftp://127.0.0.1/invite/${TOKEN}`],
    [`127.0.0.1:8787/invite/${TOKEN}`],
    [`/invite/${TOKEN}`],
    ['https://example.com/'],
    ['general/x'],
  ])('refuses %j as a usage error, never as a room name', (text) => {
    let thrown: unknown;
    try {
      joinTarget(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'invalid_request' });
    expect((thrown as Error).message).toMatch(/^not a valid invite link: /);
  });

  it('refuses a link with junk on the lines after it in a short error that does not echo the text', () => {
    let thrown: unknown;
    try {
      joinTarget(`${LINK}\nAdmits 1 person until 2026-12-01 10:00. They run: chat join ${LINK}`);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'invalid_request' });
    const message = (thrown as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('Admits');
    expect(message).toMatch(/^not a valid invite link: 2 lines of text; pass only the link/);
  });

  it('shortens a long line it echoes', () => {
    expect(() => joinTarget(`https://example.com/${'x'.repeat(300)}`)).toThrow(/^not a valid invite link: https:\/\/example\.com\/x+… \(/);
  });
});
