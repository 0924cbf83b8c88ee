import type { CliContext } from '../context.js';
import { signIn } from './sign-in.js';

/** `chat login <user> [--password-stdin]` */
export function run(ctx: CliContext, username: string, opts: { passwordStdin?: boolean }): Promise<void> {
  return signIn(ctx, 'login', username, opts);
}
