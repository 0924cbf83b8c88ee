import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Conf from 'conf';
import type { SecretBackend } from './secret-store.js';

/** What the CLI remembers of a profile, besides its secrets. */
export interface ProfileRecord {
  readonly server: string;
  readonly username: string;
  readonly keystore: SecretBackend;
}

interface ConfigShape {
  profiles: Record<string, ProfileRecord>;
  /** The last seq read per profile and room, so unread counts survive a restart. */
  readPositions: Record<string, Record<string, number>>;
  theme: 'dark' | 'light' | 'system';
  /** Per profile and private room: the AI provider the user agreed to send its plaintext to. */
  aiConsents: Record<string, Record<string, string>>;
}

/** The config file's mode: only its owner reads it (it names the accounts, servers and rooms read). */
const FILE_MODE = 0o600;
/** The config folder's mode: only its owner lists or enters it (it holds this device's state too). */
const DIR_MODE = 0o700;

/**
 * The CLI's config file (`config.json` in CHAT_HOME, or the XDG config dir). No secrets in it, but
 * private all the same: the file is written 0600 (every write replaces it, so one made 0644 by an
 * earlier version is fixed by the next write) in a folder made 0700 (an existing one is set so).
 * Throws what the file system throws when the folder cannot be made.
 */
export class ProfileConfig {
  private readonly conf: Conf<ConfigShape>;

  constructor(home: string | undefined) {
    this.conf = new Conf<ConfigShape>({
      projectName: 'chat',
      projectSuffix: '',
      configName: 'config',
      configFileMode: FILE_MODE,
      ...(home ? { cwd: home } : {}),
      defaults: { profiles: {}, readPositions: {}, theme: 'system', aiConsents: {} },
    });
    const dir = dirname(this.conf.path);
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    ownerOnly(dir, DIR_MODE);
    ownerOnly(this.conf.path, FILE_MODE);
  }

  /** The folder config and local state live in. */
  get home(): string {
    return this.conf.path.replace(/[/\\][^/\\]+$/, '');
  }

  profile(name: string): ProfileRecord | undefined {
    return this.conf.get('profiles')[name];
  }

  setProfile(name: string, record: ProfileRecord): void {
    this.conf.set('profiles', { ...this.conf.get('profiles'), [name]: record });
  }

  readPositions(profile: string): Record<string, number> {
    return this.conf.get('readPositions')[profile] ?? {};
  }

  setReadPosition(profile: string, roomId: string, seq: number): void {
    const all = this.conf.get('readPositions');
    this.conf.set('readPositions', { ...all, [profile]: { ...all[profile], [roomId]: seq } });
  }

  /** Whether this profile agreed to send the room's decrypted messages to the provider at `baseUrl`. */
  hasAiConsent(profile: string, roomId: string, baseUrl: string): boolean {
    return this.conf.get('aiConsents')[profile]?.[roomId] === baseUrl;
  }

  setAiConsent(profile: string, roomId: string, baseUrl: string): void {
    const all = this.conf.get('aiConsents');
    this.conf.set('aiConsents', { ...all, [profile]: { ...all[profile], [roomId]: baseUrl } });
  }

  get theme(): 'dark' | 'light' | 'system' {
    return this.conf.get('theme');
  }

  set theme(choice: 'dark' | 'light' | 'system') {
    this.conf.set('theme', choice);
  }

  deleteProfile(name: string): void {
    const profiles = { ...this.conf.get('profiles') };
    delete profiles[name];
    this.conf.set('profiles', profiles);
  }
}

/** Sets `path`'s mode; a path that is not there yet, or not this user's to change, is left as it is. */
function ownerOnly(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw error;
  }
}
