import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { promptHidden, readAll } from '../node/terminal-input.js';
import { recoveryKeyNotice } from '../recovery-key-notice.js';

/** `chat keys backup [--reset]`: makes the key backup or rotates its recovery key, and shows the new key once. */
export async function backup(ctx: CliContext, opts: { reset?: boolean }): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const made = await (await ctx.keyBackup(api, session)).create({ reset: opts.reset ?? false });
  ctx.out.result({ recoveryKey: made.recoveryKey, version: made.version, entries: made.entries, rotated: made.rotated }, () => {
    // On stderr only: a redirected stdout must not keep the key in a file.
    for (const line of recoveryKeyNotice(made.recoveryKey, made.rotated)) ctx.out.note(line);
    return made.rotated
      ? `Key backup version ${made.version}: ${made.entries} entries re-encrypted under the new recovery key; the old key no longer opens it.`
      : `Key backup made (version ${made.version}, ${made.entries} entries); keys this device receives from now on are added to it.`;
  });
}

/** `chat keys restore`: reads the recovery key (hidden prompt, or stdin when it is not a terminal) and restores the backup. */
export async function restore(ctx: CliContext): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const { stdin, stderr } = ctx.io;
  const text = stdin.isTTY ? await promptHidden(stdin, stderr, 'Recovery key: ', ctx.io.signal) : (await readAll(stdin)).trim();
  if (!text) throw new ChatError('invalid_request', 'no recovery key given (type it, or pass it on stdin)');
  const report = await (await ctx.keyBackup(api, session)).restore(text).catch((error: unknown) => {
    // A key that does not open the backup: say that nothing here was touched (exit 4, as a wrong password).
    if (error instanceof ChatError && error.code === 'invalid_credentials') {
      throw new ChatError('invalid_credentials', `${error.message}; nothing changed on this device, try again with the right key`, { cause: error });
    }
    throw error;
  });
  if (report.refused > 0) {
    ctx.out.note(`warning: ${report.refused} backup entries did not open and were left out: they were altered, or do not belong to your backup.`);
  }
  ctx.out.result(report, () => [
    `Restored key backup version ${report.version}: ${report.added} room keys added, ${report.extended} reaching further back, ${report.kept} already here (kept as they were).`,
    ...(report.identity === 'restored' ? ['Your identity key is on this device now, and it approved this device.'] : []),
    ...(report.identity === 'not_taken' ? ['The backup’s identity key is not your account’s current one: approve this device from another (`chat devices request`).'] : []),
    'Earlier private messages open now wherever your account could read them; this device adds the keys it receives to the backup.',
  ]);
}
