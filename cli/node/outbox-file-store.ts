import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OutboxItem } from '../../shared/client/index.js';
import type { OutboxStore } from '../../shared/client/index.js';
import { SealedFile } from './sealed-file.js';
import type { SecretStore } from './secret-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The CLI's outbox: one file per unsent message in CHAT_HOME (`outbox-<account>/<clientMsgId>.bin`),
 * each sealed with AES-256-GCM under one random key kept in the SecretStore, so messages typed before
 * quitting are sent at the next start and are not readable at rest. A file that cannot be opened or
 * parsed is left out of `list` and left on disk.
 */
export class OutboxFileStore implements OutboxStore {
  private readonly dir: string;
  private readonly keyName: string;

  constructor(
    private readonly secrets: SecretStore,
    account: string,
    home: string,
  ) {
    this.dir = join(home, `outbox-${account.replace(/[^\w-]/g, '_')}`);
    this.keyName = `${account}:outbox-key`;
  }

  async list(): Promise<OutboxItem[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const items: OutboxItem[] = [];
    for (const name of names) {
      const id = name.replace(/\.bin$/, '');
      if (!name.endsWith('.bin') || !UUID.test(id)) continue;
      const text = await this.file(id)
        .read()
        .catch(() => null);
      if (text === null) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        continue;
      }
      const parsed = OutboxItem.safeParse(raw);
      if (parsed.success && parsed.data.clientMsgId === id) items.push(parsed.data);
    }
    return items;
  }

  async put(item: OutboxItem): Promise<void> {
    await this.file(item.clientMsgId).write(JSON.stringify(item));
  }

  async remove(clientMsgId: string): Promise<void> {
    if (!UUID.test(clientMsgId)) return;
    await rm(this.file(clientMsgId).path, { force: true });
  }

  private file(clientMsgId: string): SealedFile {
    return new SealedFile(this.secrets, this.keyName, join(this.dir, `${clientMsgId}.bin`));
  }
}
