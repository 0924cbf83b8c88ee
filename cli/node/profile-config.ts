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

/** The CLI's config file (`config.json` in CHAT_HOME, or the XDG config dir). No secrets in it. */
export class ProfileConfig {
  private readonly conf: Conf<ConfigShape>;

  constructor(home: string | undefined) {
    this.conf = new Conf<ConfigShape>({
      projectName: 'chat',
      projectSuffix: '',
      configName: 'config',
      ...(home ? { cwd: home } : {}),
      defaults: { profiles: {}, readPositions: {}, theme: 'system', aiConsents: {} },
    });
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
