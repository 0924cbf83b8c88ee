/** The global options that may stand alone before the interactive client: each takes one value. */
const VALUE_OPTIONS = ['--server', '--profile'] as const;

/**
 * Whether command-line arguments (argv without node and the script) hold no command, only the global
 * options that choose where the interactive client connects: `--server URL`, `--profile NAME`, or
 * their `--server=URL` forms, in any order. `chat` with nothing, `chat --server URL` and `chat
 * --profile work` are such; `chat --json`, `chat --help`, `chat --server` (no value) and anything
 * with a command are not (the command-line parser answers those).
 */
export function onlyGlobalOptions(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (VALUE_OPTIONS.some((o) => arg.startsWith(`${o}=`) && arg.length > o.length + 1)) continue;
    if (!(VALUE_OPTIONS as readonly string[]).includes(arg)) return false;
    const value = args[i + 1];
    if (value === undefined || value.startsWith('-')) return false;
    i++;
  }
  return true;
}
