// How the bench hands a program its JSON config: in a file named on the command line (`@path`). Inline,
// the fan-out's config (a token per user: 1,000 users at the goal configuration, ~300 KB) broke Linux's
// limit of 128 KiB per argument (MAX_ARG_STRLEN) and the spawn failed with E2BIG.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;
let count = 0;

/**
 * Writes `config` as JSON to a file of this process's temporary folder (removed when the process exits)
 * and returns the argument that names it, `@<path>`.
 */
export function configArgument(config: object): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'chat-bench-config-'));
    dir = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  const path = join(dir, `${++count}.json`);
  writeFileSync(path, JSON.stringify(config));
  return `@${path}`;
}

/**
 * A program's config from its command-line argument: `@<path>` (as `configArgument` makes) reads that
 * file, anything else is parsed as inline JSON (handy when running a program by hand); none gives `{}`.
 * Throws SyntaxError on JSON that does not parse and the file system's error on a file that cannot be read.
 */
export function readConfig<T>(argument: string | undefined): T {
  if (argument === undefined) return {} as T;
  return JSON.parse(argument.startsWith('@') ? readFileSync(argument.slice(1), 'utf8') : argument) as T;
}
