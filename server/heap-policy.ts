import { setFlagsFromString } from 'node:v8';

/**
 * V8's settings for a lean start of the server process (issue 19's "the server adds ≤ 60 MiB over
 * PGlite alone"), measured with /proc/PID/smaps on a restart that idles (docs/benchmarks.md, "Idle
 * memory of the embedded server"):
 *
 * - `--semi-space-growth-factor=1` while the server starts: the start's burst of short-lived objects
 *   (modules, migrations, the database thread's PGlite) would otherwise grow each isolate's young
 *   generation from 1 MiB to 8–16 MiB a semi-space, which stays committed, nearly empty, for as long
 *   as the server idles (~19 MiB of the two isolates' heaps). The returned function puts V8's default
 *   (2) back once the server listens, so under load the young generation grows as it always did.
 * - `--wasm-num-compilation-tasks=1`: PGlite's WebAssembly is tiered up (TurboFan) on V8's background
 *   threads; with one compile task at a time instead of one per thread, fewer glibc arenas hold the
 *   compiler's freed zone memory (~15–25 MiB kept resident at idle otherwise). Tier-up then takes
 *   longer in wall time, not in CPU time, and only in the first seconds a query shape runs.
 *
 * Flags are process-wide: call this before the database thread starts. Returns the function that
 * ends the start (idempotent).
 */
export function leanStart(): () => void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--wasm-num-compilation-tasks=1');
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    setFlagsFromString('--semi-space-growth-factor=2');
  };
}
