import { describe, expect, it } from 'vitest';
import { onlyGlobalOptions } from './global-args.js';

describe('onlyGlobalOptions', () => {
  it('is true for nothing, or only --server and --profile with their values', () => {
    expect(onlyGlobalOptions([])).toBe(true);
    expect(onlyGlobalOptions(['--server', 'http://localhost:8787'])).toBe(true);
    expect(onlyGlobalOptions(['--profile', 'work'])).toBe(true);
    expect(onlyGlobalOptions(['--server=http://h:1', '--profile', 'work'])).toBe(true);
  });

  it('is false for a command, a missing value, --json, --help or any other option', () => {
    expect(onlyGlobalOptions(['rooms'])).toBe(false);
    expect(onlyGlobalOptions(['--server', 'http://h:1', 'rooms'])).toBe(false);
    expect(onlyGlobalOptions(['--server'])).toBe(false);
    expect(onlyGlobalOptions(['--server='])).toBe(false);
    expect(onlyGlobalOptions(['--profile', '--json'])).toBe(false);
    expect(onlyGlobalOptions(['--json'])).toBe(false);
    expect(onlyGlobalOptions(['--help'])).toBe(false);
    expect(onlyGlobalOptions(['--version'])).toBe(false);
  });
});
