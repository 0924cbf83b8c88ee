import type { Readable, Writable } from 'node:stream';
import { ApiClient, E2ESession, KeyBackup, LiveClient, SessionIdentityBackup } from '../shared/client/index.js';
import type { SessionStore, SocketLike, StoredSession } from '../shared/client/index.js';
import type { Room } from '../shared/protocol/index.js';
import { DraftFile } from './node/draft-file.js';
import { nodeFetch } from './node/http-fetch.js';
import { ChatError } from '../shared/protocol/index.js';
import { KeystoreSessionStore } from './node/keystore-session-store.js';
import { LmdbE2EStore } from './node/lmdb-e2e-store.js';
import { OutboxFileStore } from './node/outbox-file-store.js';
import { PrivateIndexFile } from './node/private-index-file.js';
import { ProfileConfig } from './node/profile-config.js';
import type { ProfileRecord } from './node/profile-config.js';
import { openSecretStore, secretAccount } from './node/secret-store.js';
import type { SecretStore } from './node/secret-store.js';
import { Output } from './output.js';
import { resolveRoom } from './room-ref.js';

export const DEFAULT_SERVER = 'http://localhost:8787';

/** The process's edges, handed in by cli/main.ts (the only file that touches `process`). */
export interface Io {
  readonly stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** `columns`: the terminal's width, when stdout is one. */
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
}

export interface GlobalOptions {
  readonly server?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

/** What every command gets: output, the profile and its config, and clients on demand. */
export class CliContext {
  readonly out: Output;
  readonly profileName: string;
  readonly config: ProfileConfig;

  constructor(
    readonly io: Io,
    private readonly globals: GlobalOptions,
  ) {
    const json = globals.json ?? false;
    const color = !json && io.stdout.isTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
    this.out = new Output(io.stdout, io.stderr, json, color);
    this.profileName = globals.profile ?? io.env.CHAT_PROFILE ?? 'default';
    this.config = new ProfileConfig(io.env.CHAT_HOME || undefined);
  }

  get profile(): ProfileRecord | undefined {
    return this.config.profile(this.profileName);
  }

  /**
   * --server, else CHAT_SERVER, else the server this profile signed in to, else localhost:8787, as an
   * origin. Throws `invalid_request` naming where a bad value came from (the flag, the variable, the profile).
   */
  get serverUrl(): string {
    const { server } = this.globals;
    const env = this.io.env.CHAT_SERVER;
    const [raw, source] =
      server !== undefined
        ? [server, '--server']
        : env !== undefined
          ? [env, 'CHAT_SERVER']
          : this.profile?.server !== undefined
            ? [this.profile.server, `the server profile "${this.profileName}" signed in to`]
            : [DEFAULT_SERVER, 'the default server'];
    if (raw.trim() === '') throw new ChatError('invalid_request', `${source} is empty: give the server's URL (such as http://localhost:8787)${source === 'CHAT_SERVER' ? ', or unset it' : ''}`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ChatError('invalid_request', `${source}: "${raw}" is not a URL (try http://localhost:8787)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChatError('invalid_request', `${source}: use an http:// or https:// URL, not ${url.protocol}`);
    return url.origin;
  }

  /** The secret store of this profile (the one it signed in with), or a new one for signing in. */
  secrets(forSignIn = false): Promise<SecretStore> {
    return openSecretStore({ home: this.config.home, env: this.io.env, recorded: forSignIn ? undefined : this.profile?.keystore });
  }

  /**
   * A REST client for the server, with this profile's session (or, with `sessions`, the session that
   * store holds: signing in ends the session it replaced with that session's own tokens), at `server`
   * (an origin) when given, else {@link serverUrl}. Throws `unauthorized` when this profile is signed in
   * to another server (but for signing in).
   */
  async api(options: { forSignIn?: boolean; sessions?: SessionStore; server?: string } = {}): Promise<ApiClient> {
    const server = options.server ?? this.serverUrl;
    const profile = this.profile;
    if (!options.forSignIn && profile && profile.server !== server) {
      throw new ChatError('unauthorized', `profile "${this.profileName}" is signed in to ${profile.server}, not ${server}; sign in there or use --profile`);
    }
    if (options.sessions) return new ApiClient({ serverUrl: server, fetch: nodeFetch, sessions: options.sessions });
    const secrets = await this.secrets(options.forSignIn);
    const sessions = new KeystoreSessionStore(secrets, secretAccount(this.config.home, this.profileName), this.config.home);
    return new ApiClient({ serverUrl: server, fetch: nodeFetch, sessions });
  }

  /** The REST client and session; `unauthorized` (exit 4) when not signed in. */
  async signedIn(): Promise<{ api: ApiClient; session: StoredSession }> {
    if (!this.profile) throw new ChatError('unauthorized', 'not signed in: run `chat login <user>` (or `chat register <user>`) first');
    const api = await this.api();
    const session = await api.session();
    if (!session) throw new ChatError('unauthorized', 'not signed in: run `chat login <user>` first');
    return { api, session };
  }

  /**
   * The room a command-line argument names: `#general` or `general`, an id, or `@user` for your direct
   * messages with that user (opened if none yet when `openDirectMessage`). Throws ChatError
   * ('not_found'), with "did you mean #name?" for a close name: see resolveRoom.
   */
  room(api: ApiClient, session: StoredSession, ref: string, options: { openDirectMessage?: boolean } = {}): Promise<Room> {
    return resolveRoom(ref, { api, me: session.user.username, ...options });
  }

  /** The end-to-end store of this profile (device keys and ratchet state). */
  async e2eStore(forSignIn = false): Promise<LmdbE2EStore> {
    return new LmdbE2EStore(await this.secrets(forSignIn), secretAccount(this.config.home, this.profileName), this.config.home);
  }

  /** End-to-end encryption for this profile's device. */
  async e2e(api: ApiClient, session: StoredSession, forSignIn = false): Promise<E2ESession> {
    return (await this.deviceKeys(api, session, forSignIn)).e2e;
  }

  /** The encrypted key backup, seen from this profile's device (the identity key it holds goes in; a restored one approves it). */
  async keyBackup(api: ApiClient, session: StoredSession, forSignIn = false): Promise<KeyBackup> {
    return (await this.deviceKeys(api, session, forSignIn)).backup;
  }

  /** This profile's device encryption and key backup together, over one end-to-end store (for approvals, which use both). */
  async deviceKeys(api: ApiClient, session: StoredSession, forSignIn = false): Promise<{ e2e: E2ESession; backup: KeyBackup }> {
    return this.keysOver(await this.e2eStore(forSignIn), api, session);
  }

  /** This profile's device encryption and key backup over an open end-to-end store (the caller closes it). */
  keysOver(store: LmdbE2EStore, api: ApiClient, session: StoredSession): { e2e: E2ESession; backup: KeyBackup } {
    const identity = new SessionIdentityBackup({ session, extractable: true, e2e: (): E2ESession => e2e });
    const backup = new KeyBackup({ api, store, session, identity });
    const e2e = new E2ESession({ api, store, session, extractable: true, backup });
    return { e2e, backup };
  }

  /** This profile's unsent messages, kept sealed on disk until the server acknowledges them. */
  async outbox(): Promise<OutboxFileStore> {
    return new OutboxFileStore(await this.secrets(), secretAccount(this.config.home, this.profileName), this.config.home);
  }

  /** Where the interactive client keeps this profile's composer drafts (sealed, one file). */
  async draftFile(): Promise<DraftFile> {
    return new DraftFile(await this.secrets(), secretAccount(this.config.home, this.profileName), this.config.home);
  }

  /** The local search index of this profile's private rooms; one that cannot be opened is set aside and rebuilt, said on stderr. */
  async privateIndex(): Promise<PrivateIndexFile> {
    return new PrivateIndexFile(await this.secrets(), secretAccount(this.config.home, this.profileName), this.config.home, ({ path, setAside }) =>
      this.out.note(`chat: the search index of your private rooms (${path}) could not be opened (damaged, or written with another key); moved it to ${setAside} and rebuilding it from the messages`),
    );
  }

  /** A live (WebSocket) client over the `ws` package. */
  async live(api: ApiClient): Promise<LiveClient> {
    const { default: WebSocket } = await import('ws');
    return new LiveClient({
      api,
      createSocket: (url, headers) => new WebSocket(url, { headers, perMessageDeflate: false }) as unknown as SocketLike,
    });
  }
}
