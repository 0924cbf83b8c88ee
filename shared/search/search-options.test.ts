import { describe, expect, it } from 'vitest';
import { scopedRoom, searchFilters, splitSearchOptions } from './search-options.js';

describe('splitSearchOptions', () => {
  // `/search deploy --room plans` found nothing, and `/search cafe --from carol` searched for "carol".
  it('takes --room, --from and --since out of the query, wherever they stand', () => {
    expect(splitSearchOptions('deploy --room plans')).toEqual({ query: 'deploy', scope: { room: 'plans' } });
    expect(splitSearchOptions('--from @carol cafe "release notes" -staging --since=3d')).toEqual({
      query: 'cafe "release notes" -staging',
      scope: { from: '@carol', since: '3d' },
    });
    expect(splitSearchOptions('a  or   b')).toEqual({ query: 'a or b', scope: {} });
  });

  it('keeps a quoted --word as a word to find', () => {
    expect(splitSearchOptions('"--force" flag')).toEqual({ query: '"--force" flag', scope: {} });
  });

  it('refuses an unknown option, one with no value and one given twice, saying which', () => {
    expect(() => splitSearchOptions('deploy --limit 3')).toThrow(/unknown option "--limit": a search takes --room, --from and --since/);
    expect(() => splitSearchOptions('deploy --room')).toThrow(/--room needs a value/);
    expect(() => splitSearchOptions('deploy --from --room x')).toThrow(/--from needs a value/);
    expect(() => splitSearchOptions('deploy --room a --room b')).toThrow(/--room is given twice/);
  });
});

describe('searchFilters', () => {
  // `chat search x --from ''` searched every sender without a word.
  it('refuses an empty --from or --room', () => {
    for (const from of ['', ' ', '@']) expect(() => searchFilters({ from })).toThrow(/^--from needs a user name/);
    for (const room of ['', '#', '@']) expect(() => searchFilters({ room })).toThrow(/^--room needs a room/);
  });

  it('takes --from with or without its @, and reads --since', () => {
    expect(searchFilters({ from: '@bob' }).from).toBe('bob');
    expect(searchFilters({ from: 'bob' }).from).toBe('bob');
    expect(searchFilters({ since: '2026-11-01T10:00Z' }).since).toBe('2026-11-01T10:00:00.000Z');
    expect(() => searchFilters({ since: '2026-02-30T10:00Z' })).toThrow(/--since/);
  });
});

describe('scopedRoom', () => {
  const rooms = [{ name: 'plans' }, { name: 'dm-1234' }, { name: 'General' }];
  const title = (r: { name: string }) => (r.name === 'dm-1234' ? '@Carol' : `#${r.name}`);
  it('finds a room by name with or without #, and a direct message by @user, without regard to case', () => {
    expect(scopedRoom(rooms, 'plans', title)).toBe(rooms[0]);
    expect(scopedRoom(rooms, '#general', title)).toBe(rooms[2]);
    expect(scopedRoom(rooms, '@carol', title)).toBe(rooms[1]);
  });
  it('says when none of the rooms is the one named (not_found)', () => {
    expect(() => scopedRoom(rooms, 'nowhere', title)).toThrow('--room: you are in no room named #nowhere');
    expect(() => scopedRoom(rooms, '@dana', title)).toThrow('--room: you are in no room with @dana');
  });
});
