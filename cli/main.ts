#!/usr/bin/env node
// The `chat` binary: parses the command line, runs one lazily imported command, and is the only
// place that touches `process` (argv, env, signals, exit).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ChatError } from '../shared/protocol/chat-error.js';
import { describeOtherError } from '../shared/client/network-failure.js';
import { escapeForJson, neutralize } from '../shared/text/neutralize.js';
import type { CliContext, GlobalOptions, Io } from './context.js';
import { EXIT_CODE_OF, ExitCode, Stopped, stoppedExitCode, stopSignalOf } from './exit-codes.js';
import type { StopSignal } from './exit-codes.js';
import { onlyGlobalOptions } from './global-args.js';

const VERSION = '0.1.0';

/** How long (ms) a command has after Ctrl-C or SIGTERM to end on its own before the process exits anyway. */
const STOP_GRACE_MS = 5_000;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number, 1 or more');
  return n;
}

/** An idempotency key: a UUID as the server accepts one, lower-cased. */
function uuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(value)) {
    throw new InvalidArgumentError('must be a UUID, such as one from `uuidgen` (reuse the same one when you retry)');
  }
  return value.toLowerCase();
}

/** The command tree; `run` gets each command's body, which imports its module only when chosen. */
function buildProgram(run: (command: (ctx: CliContext) => Promise<void>) => Promise<void>): Command {
  const program = new Command('chat')
    .description('Real-time chat in the terminal. Run a command below; `chat <command> --help` tells more.')
    .version(VERSION)
    .option('--server <url>', 'the server (env CHAT_SERVER; default: the one you signed in to, or http://localhost:8787)')
    .option('--profile <name>', 'which signed-in account to use (env CHAT_PROFILE; default "default")')
    .option('--json', 'print JSON only (one document; with --follow, one object per line)')
    .showHelpAfterError('(run `chat --help` for the commands)')
    .exitOverride();

  program
    .command('register <user>')
    .description('create an account and sign in')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .action((user: string, opts) => run((ctx) => import('./commands/register.js').then((m) => m.run(ctx, user, opts))));
  program
    .command('login <user>')
    .description('sign in')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .action((user: string, opts) => run((ctx) => import('./commands/login.js').then((m) => m.run(ctx, user, opts))));
  program
    .command('logout')
    .description('sign out; this device and its keys stay, so signing in again here needs no new approval')
    .option('--forget-device', 'also revoke this device on the server (members stop sharing keys with it) and delete its keys here')
    .action((opts) => run((ctx) => import('./commands/logout.js').then((m) => m.run(ctx, opts))));
  program
    .command('whoami')
    .description('show who you are signed in as')
    .action(() => run((ctx) => import('./commands/whoami.js').then((m) => m.run(ctx))));
  program
    .command('rooms')
    .description('list your rooms')
    .option('--all', 'list every open room (the directory)')
    .action((opts) => run((ctx) => import('./commands/rooms.js').then((m) => m.run(ctx, opts))));
  program
    .command('create <room>')
    .description('create a room (open, or with --private end-to-end encrypted and invitation-only)')
    .option('--private', 'invitation-only and end-to-end encrypted')
    .option('--topic <text>', 'what the room is about')
    .action((room: string, opts) => run((ctx) => import('./commands/create.js').then((m) => m.run(ctx, room, opts))));
  program
    .command('join <room-or-invite-link>')
    .description('join an open room, or a private room through its invite link')
    .action((room: string) => run((ctx) => import('./commands/join.js').then((m) => m.run(ctx, room))));
  program
    .command('invite <room>')
    .description('make an invite link for a room you own')
    .option('--expires <duration>', 'how long it works: 30m, 24h, 7d', '24h')
    .addOption(new Option('--uses <n>', 'how many people it admits').argParser(positiveInt).default(1))
    .action((room: string, opts) => run((ctx) => import('./commands/invite.js').then((m) => m.run(ctx, room, opts))));
  program
    .command('invites <room>')
    .description('list a room’s invite links, or revoke one')
    .option('--revoke <id>', 'revoke this invite')
    .action((room: string, opts) => run((ctx) => import('./commands/invites.js').then((m) => m.run(ctx, room, opts))));
  program
    .command('kick <room> <user>')
    .description('remove a member from a room you own')
    .action((room: string, user: string) => run((ctx) => import('./commands/kick.js').then((m) => m.run(ctx, room, user))));
  program
    .command('dm <user>')
    .description('open the end-to-end encrypted room of you and another user')
    .action((user: string) => run((ctx) => import('./commands/dm.js').then((m) => m.run(ctx, user))));
  const devices = program.command('devices').description('your devices, approved or not; approve a new one, revoke a lost one');
  devices
    .command('list', { isDefault: true })
    .description('list your devices: approved or not, when each was added')
    .action(() => run((ctx) => import('./commands/devices.js').then((m) => m.list(ctx))));
  devices
    .command('request')
    .description('on a new device: ask another of your devices to approve this one (compare the codes)')
    .action(() => run((ctx) => import('./commands/devices.js').then((m) => m.request(ctx))));
  devices
    .command('approve [device-id]')
    .description('approve a new device that asked (compare the codes; type the one it shows)')
    .action((deviceId: string | undefined) => run((ctx) => import('./commands/devices.js').then((m) => m.approve(ctx, deviceId))));
  devices
    .command('revoke <device-id>')
    .description('revoke one of your devices (lost, retired or not yours)')
    .action((deviceId: string) => run((ctx) => import('./commands/devices.js').then((m) => m.revoke(ctx, deviceId))));
  devices
    .command('reset-identity')
    .description('start a new identity when none of your approved devices is left')
    .action(() => run((ctx) => import('./commands/devices.js').then((m) => m.resetIdentity(ctx))));
  const keys = program
    .command('keys')
    .description('show this device’s identity fingerprint and your devices; `keys backup` / `keys restore` for the key backup')
    .option('--revoke <device-id>', 'same as `chat devices revoke`')
    .action((opts) => run((ctx) => import('./commands/keys.js').then((m) => m.run(ctx, opts))));
  keys
    .command('backup')
    .description('make the encrypted backup of your keys, or replace its recovery key (the new key is shown once, on stderr)')
    .option('--reset', 'start a new backup even though this device cannot open the one there (what only that one holds is lost)')
    .action((opts) => run((ctx) => import('./commands/keys-backup.js').then((m) => m.backup(ctx, opts))));
  keys
    .command('restore')
    .description('bring your keys back from the backup with your recovery key (asked for; read from stdin when it is not a terminal)')
    .action(() => run((ctx) => import('./commands/keys-backup.js').then((m) => m.restore(ctx))));
  program
    .command('verify <user>')
    .description('show your safety number with a user; --confirm marks them verified')
    .option('--confirm', 'you compared the numbers and they match')
    .action((user: string, opts) => run((ctx) => import('./commands/verify.js').then((m) => m.run(ctx, user, opts))));
  program
    .command('leave <room>')
    .description('leave a room')
    .action((room: string) => run((ctx) => import('./commands/leave.js').then((m) => m.run(ctx, room))));
  program
    .command('members <room>')
    .description('list a room’s members and who is online')
    .action((room: string) => run((ctx) => import('./commands/members.js').then((m) => m.run(ctx, room))));
  program
    .command('send <room> [text...]')
    .description('send a message (no text: reads stdin; a multi-line stdin is one message)')
    .addOption(new Option('--id <uuid>', 'idempotency key: a message with the same id is stored once, so a failed send can be retried safely').argParser(uuid))
    .addOption(new Option('--reply-to <seq>', 'reply to (and quote) the message with this seq').argParser(positiveInt))
    .action((room: string, text: string[], opts) => run((ctx) => import('./commands/send.js').then((m) => m.run(ctx, room, text, opts))));
  program
    .command('edit <room> <seq> <text...>')
    .description('replace the text of your message (shown with "(edited)")')
    .action((room: string, seq: string, text: string[]) => run((ctx) => import('./commands/relations.js').then((m) => m.edit(ctx, room, positiveInt(seq), text))));
  program
    .command('delete <room> <seq>')
    .description('delete a message for good (yours, or any in a room you own)')
    .action((room: string, seq: string) => run((ctx) => import('./commands/relations.js').then((m) => m.remove(ctx, room, positiveInt(seq)))));
  program
    .command('react <room> <seq> <emoji>')
    .description('add your reaction to a message, or take it back if you gave that one already')
    .action((room: string, seq: string, emoji: string) => run((ctx) => import('./commands/relations.js').then((m) => m.react(ctx, room, positiveInt(seq), emoji))));
  program
    .command('read <room>')
    .description('print a room’s recent messages, oldest first')
    .addOption(new Option('--limit <n>', 'the newest N messages (default 50)').argParser(positiveInt))
    .addOption(new Option('--before <seq>', 'only events before this seq (page back)').argParser(positiveInt))
    .option('-f, --follow', 'keep printing new messages as they arrive, until Ctrl-C')
    .option('--no-mark-read', 'leave your read marker (on every device) where it is')
    .action((room: string, opts) => run((ctx) => import('./commands/read.js').then((m) => m.run(ctx, room, opts))));
  program
    .command('search <query...>')
    .description('search your rooms: open rooms on the server, private rooms on this device ("phrases", or, -word: chat search deploy -staging)')
    .option('--room <room>', 'only this room')
    .option('--from <user>', 'only messages from this user')
    .option('--since <date>', 'only messages since: 2026-11-01, "2026-11-01 14:30", 3d, 12h, yesterday')
    .addOption(new Option('--limit <n>', 'how many results (default 20)').argParser(positiveInt))
    // `-staging` is an excluded word, not an option: the query's words reach the command as typed, and
    // it refuses a `--word` it does not know.
    .allowUnknownOption()
    .action((query: string[], opts) => run((ctx) => import('./commands/search.js').then((m) => m.run(ctx, query, opts))));
  program
    .command('summarize <room>')
    .description('summarize a room: open rooms on the server, private rooms on this device')
    .option('--type <type>', 'general, detailed, bullets or topics', 'general')
    .option('--since <date>', 'only messages since: 2026-11-01, "2026-11-01 14:30", 3d, 12h, yesterday')
    .addOption(new Option('--limit <n>', 'the newest N messages (default 500, at most 5000)').argParser(positiveInt))
    .option('-y, --yes', 'agree to send a private room to your AI provider (OPENAI_API_KEY); asked once per room')
    .action((room: string, opts) => run((ctx) => import('./commands/summarize.js').then((m) => m.run(ctx, room, opts))));
  program
    .command('tui', { hidden: true })
    .description('the interactive client (what `chat` alone opens in a terminal)')
    .action(() => run((ctx) => import('./tui/run-tui.js').then((m) => m.runTui(ctx))));
  return program;
}

async function main(): Promise<number> {
  const abort = new AbortController();
  // `on`, not `once`: conf's atomic writer (when-exit) re-raises the signal after its own cleanup,
  // which would kill the process before a command like `read --follow` can finish and exit 0.
  // A command that waits ends on its own at the abort (and cleans up: an approval request is
  // cancelled on the server); one that does not (blocked reading stdin) is ended a few seconds later.
  // A second signal changes nothing: when-exit (under conf) raises the first one again itself.
  // The abort's reason is the signal's name: a command's waits (hidden prompts included, which also put
  // the terminal back in its normal mode) end with Stopped of it, and the exit code says which (130, 143).
  const interrupt = (signal: StopSignal): void => {
    if (abort.signal.aborted) return;
    abort.abort(signal);
    setTimeout(() => process.exit(stoppedExitCode(signal)), STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));
  // NO_COLOR (any non-empty value) turns colour off everywhere; Ink's chalk only listens to FORCE_COLOR.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  // React's production build for the TUI: the development one checks every render and is several times slower.
  process.env.NODE_ENV ??= 'production';
  const io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, signal: abort.signal };
  let json = process.argv.includes('--json');

  const program = buildProgram(async (command) => {
    const globals = program.opts<GlobalOptions>();
    json = globals.json ?? false;
    const { CliContext } = await import('./context.js');
    await command(new CliContext(io, globals));
  });
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    writeOut: (s) => process.stdout.write(s),
  });

  // `chat`, or `chat --server URL` / `chat --profile NAME` with no command: the interactive client.
  if (onlyGlobalOptions(process.argv.slice(2))) {
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      process.stderr.write('chat: the interactive client needs a terminal; in scripts and pipes use the subcommands (chat send, chat read --follow, … — see chat --help)\n');
      return ExitCode.usage;
    }
    // Ink renders only a final frame when it thinks it runs in CI; this is a person's terminal.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    process.argv.push('tui');
  }
  try {
    await program.parseAsync(process.argv);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    // Stopped by Ctrl-C or SIGTERM while it waited (or Ctrl-C typed at a hidden prompt): said in one
    // line, with the shells' exit code for that signal (130 for SIGINT, 143 for SIGTERM).
    if (abort.signal.aborted || error instanceof Stopped) {
      const said = error instanceof ChatError ? error.message : 'stopped before it finished';
      process.stderr.write(`chat: ${neutralize(said, { multiline: true })}\n`);
      return stoppedExitCode(error instanceof Stopped ? error.signal : stopSignalOf(abort.signal));
    }
    // Anything else (a runtime error) is said in plain words, without its code (ABORT_ERR, EACCES).
    const chat = error instanceof ChatError ? error : new ChatError('internal', describeOtherError(error), { cause: error });
    // The message may quote the server or another user: printed neutralized, like everything else.
    if (json) process.stdout.write(escapeForJson(JSON.stringify({ error: { code: chat.code, message: chat.message } })) + '\n');
    process.stderr.write(`chat: ${neutralize(chat.message, { multiline: true })}\n`);
    if (chat.code === 'internal' && process.env.CHAT_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return EXIT_CODE_OF[chat.code];
  }
}

/**
 * Exits with `code` once what was written to stdout and stderr has gone out. Writes to a pipe are
 * asynchronous in Node, and process.exit drops what is still queued: `chat read --json | (sleep 1;
 * cat)` got 64 KiB of 228. An empty write's callback runs after the writes before it (or with the
 * error of a stream already closed, as when the reader went away).
 */
function exitAfterOutput(code: number): void {
  let open = 2;
  const done = () => {
    open -= 1;
    if (open === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

// The reader of the output went away (`chat read --json | head -c 10`): nothing more can be written,
// so the command ends at once, quietly, with 141 (128 + SIGPIPE, what Unix tools end with there);
// it crashed with an unhandled EPIPE before.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.readerGone);
    throw error;
  });
}

main().then(
  (code) => exitAfterOutput(code),
  (error: unknown) => {
    process.stderr.write(`chat: ${neutralize(describeOtherError(error), { multiline: true })}\n`);
    exitAfterOutput(1);
  },
);
