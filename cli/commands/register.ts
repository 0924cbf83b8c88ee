import type { CliContext } from '../context.js';
import { signIn } from './sign-in.js';

/** `chat register <user> [--password-stdin]` */
export function run(ctx: CliContext, username: string, opts: { passwordStdin?: boolean }): Promise<void> {
  return signIn(ctx, 'register', username, opts);
}
