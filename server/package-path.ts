import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file or folder of the package (`database/postgres`, `web/dist/index.html`), found by walking up
 * from the calling module, which lives at a different depth in the sources (server/store) and in the
 * build (dist/server). Undefined when there is none.
 */
export function packagePath(relative: string, from: string): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
