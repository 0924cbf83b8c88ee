import { render } from 'ink';
import { DevicePrompts, searchEverywhere } from '../../shared/client/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { App, TUI_RENDER_OPTIONS } from './app.js';
import { summarizeRoom } from '../room-summary.js';
import { DraftBook } from './state/drafts.js';
import { resolveScope } from '../search-options.js';

/**
 * Terminal modes the app turns on, and off again however it ends: the alternate screen, bracketed
 * paste, focus reporting (for notifications) and the mouse wheel (SGR mouse reports).
 */
const ENTER = '\u001b[?1049h\u001b[?2004h\u001b[?1004h\u001b[?1000h\u001b[?1006h';
const LEAVE = '\u001b[?1006l\u001b[?1000l\u001b[?1004l\u001b[?2004l\u001b[?1049l';
/**
 * Erases the screen (and the scrollback) and puts the cursor at the top left: written before each
 * view (the sign-in form, the app) is drawn, since Ink draws from the cursor and leaves a view's last
 * frame on the screen when it ends.
 */
const CLEAR = '\u001b[2J\u001b[3J\u001b[H';

/** What the sign-in form says when the session ended while the app was open, or before it started. */
const SESSION_ENDED_NOTE = 'Signed out, here or on another device. Sign in again to go on as this device (or as a new one, if it was revoked).';

/** `chat` with no arguments in a terminal: the full-screen app. */
export async function runTui(ctx: CliContext): Promise<void> {
  const { stdin, stdout } = ctx.io;
  if (!stdin.isTTY || !stdout.isTTY) {
    throw new ChatError('invalid_request', 'the interactive client needs a terminal; in scripts and pipes use the subcommands (chat send, chat read --follow, … — see chat --help)');
  }
  let unsent = 0;
  stdout.write(ENTER);
  try {
    let note: string | undefined;
    // A session ended elsewhere (`chat logout` in another shell, a revocation from another device, a
    // stolen refresh token revoked) ends the app, and the sign-in form comes back for the same server.
    // Only the session's tokens go, as with a plain `chat logout`: the device's keys, ratchet state,
    // search index, drafts and the profile (its server) stay. Whether the device itself was revoked
    // cannot be told from here (the server answers both alike, and tells nothing about a device to a
    // client without a session): the next sign-in asks, resuming the device when it is still live and
    // replacing it (its keys and index removed) when it was revoked (see startSession).
    for (;;) {
      const run = await runApp(ctx, note);
      unsent = run.unsent;
      if (!run.sessionEnded) break;
      await endLocalSession(ctx);
      note = SESSION_ENDED_NOTE;
    }
  } finally {
    stdout.write(LEAVE);
  }
  // Never quit silently with messages still on their way: they are kept, and go at the next start.
  if (unsent > 0) ctx.io.stderr.write(`${unsent} message${unsent === 1 ? '' : 's'} not sent yet: kept (encrypted) and sent the next time chat starts.\n`);
}

/**
 * The sign-in form when needed, then the app until it ends: whether it ended because the session did,
 * and how many messages are still unsent.
 */
async function runApp(ctx: CliContext, note: string | undefined): Promise<{ sessionEnded: boolean; unsent: number }> {
  const { stdin, stdout } = ctx.io;
  if (!(await isSignedIn(ctx))) await signInScreen(ctx, note);
  const { api, session } = await ctx.signedIn();
  // The store is closed when the app ends, before a sign-in as a new device may replace its state.
  const store = await ctx.e2eStore();
  // With the key backup: chain keys go into it as they come, and the recovery key can approve this device.
  const { e2e, backup } = ctx.keysOver(store, api, session);
  const live = await ctx.live(api);
  const devices = new DevicePrompts({ e2e, api, live, backup });
  const outbox = await ctx.outbox();
  // Each room's unsent text: read before the first frame, written again as it changes and at the end.
  const drafts = await DraftBook.open(await ctx.draftFile());
  let ended = false;
  stdout.write(CLEAR);
  const instance = render(
    <App
      deps={{
        api,
        live,
        e2e,
        session,
        devices,
        readPositions: ctx.config.readPositions(ctx.profileName),
        saveReadPosition: (roomId, seq) => ctx.config.setReadPosition(ctx.profileName, roomId, seq),
        now: Date.now,
        outbox,
        drafts,
        search: async (query, scope = {}) =>
          searchEverywhere({ api, e2e: async () => e2e, privateIndex: () => ctx.privateIndex() }, query, { ...(await resolveScope(api, session.user.username, scope)), limit: 50 }),
        summarize: async (room, type, agree, onText) =>
          (
            await summarizeRoom({ api, e2e: async () => e2e, env: ctx.io.env, config: ctx.config, profileName: ctx.profileName }, room, {
              type,
              limit: 500,
              consent: async () => agree,
              onText,
              // The offline summary's quotes fit the panel (the terminal less its border and padding).
              columns: ctx.io.stdout.columns ? Math.min(1000, Math.max(20, ctx.io.stdout.columns - 4)) : undefined,
            })
          ).summary,
        signedOut: () => {
          ended = true;
          instance.unmount();
        },
      }}
      server={api.serverUrl}
      env={ctx.io.env}
      theme={ctx.config.theme}
      saveTheme={(choice) => {
        ctx.config.theme = choice;
      }}
    />,
    // Ctrl+C is one of the keys the app's tokenizer reads (it may come in a chunk with other keys).
    { ...TUI_RENDER_OPTIONS, stdin: stdin as NodeJS.ReadStream, stdout: stdout as NodeJS.WriteStream, exitOnCtrlC: false, patchConsole: false },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    live.stop();
    // However the app ended (Ctrl+C included), the drafts typed in it are on disk before it returns.
    await drafts.flush();
    await store.close();
  }
  return { sessionEnded: ended, unsent: (await outbox.list()).length };
}

/**
 * Forgets the ended session's tokens here (telling the server too, best effort: it has ended it
 * already), so the sign-in form comes next; keeps everything else of the profile.
 */
async function endLocalSession(ctx: CliContext): Promise<void> {
  const api = await ctx.api();
  await api.logout().catch(() => undefined);
}

async function isSignedIn(ctx: CliContext): Promise<boolean> {
  try {
    await ctx.signedIn();
    return true;
  } catch (error) {
    if (error instanceof ChatError && error.code === 'unauthorized') return false;
    throw error;
  }
}

/** The sign-in form, until a session exists (Ctrl-C leaves). */
async function signInScreen(ctx: CliContext, note?: string): Promise<void> {
  const { startSession } = await import('../commands/sign-in.js');
  const { resolveTheme } = await import('./state/theme.js');
  const { SignInForm } = await import('./components/sign-in-form.js');
  // Signing in to another server replaces this profile's sign-in there, its device's keys with it: said first.
  const elsewhere = ctx.profile && ctx.profile.server !== ctx.serverUrl ? ctx.profile : undefined;
  if (elsewhere) {
    const warning = `This profile is signed in as ${elsewhere.username} on ${elsewhere.server}: signing in here ends that and removes that device's keys from it (start with --profile NAME to keep both).`;
    note = note ? `${note} ${warning}` : warning;
  }
  let signedIn = false;
  ctx.io.stdout.write(CLEAR);
  const instance = render(
    <SignInForm
      server={ctx.serverUrl}
      theme={resolveTheme(ctx.config.theme, ctx.io.env)}
      note={note}
      onSubmit={async (mode, username, password) => (await startSession(ctx, mode, username, password)).recoveryKey}
      onDone={() => {
        signedIn = true;
        instance.unmount();
      }}
    />,
    { stdin: ctx.io.stdin as NodeJS.ReadStream, stdout: ctx.io.stdout as NodeJS.WriteStream, exitOnCtrlC: true, patchConsole: false },
  );
  await instance.waitUntilExit();
  if (!signedIn) throw new ChatError('unauthorized', 'not signed in');
}
