// Prints the package folders (relative to the repository root) that the named packages need at run
// time: each package and, recursively, its dependencies, optional dependencies and peer dependencies,
// resolved as Node resolves them (the nearest node_modules up from the package that asks).
// Usage: node bench/portable/closure.mjs <repository root> <package>...
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [root, ...start] = process.argv.slice(2);
const seen = new Set();

/** The folder of package `name` as seen from `fromDir`, or null when none is installed. */
function resolveDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return null;
  }
}

function visit(name, fromDir) {
  const dir = resolveDir(name, fromDir);
  if (!dir) {
    // An optional dependency for another platform, as a rule.
    process.stderr.write(`closure: ${name} is not installed (asked for from ${fromDir})\n`);
    return;
  }
  if (seen.has(dir)) return;
  seen.add(dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies })) {
    if (resolveDir(dependency, dir)) visit(dependency, dir);
  }
}

for (const name of start) visit(name, root);
for (const dir of [...seen].sort()) process.stdout.write(`${dir.slice(root.length + 1)}\n`);
