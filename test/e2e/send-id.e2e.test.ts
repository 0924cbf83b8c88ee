import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomEvent } from '../../shared/protocol/index.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import type { ServerProcess } from '../support/binaries.js';

/**
 * A TCP proxy in front of the server. With `dropAcks(true)` it closes both connections instead of
 * passing on a server frame that holds `"type":"ack"` (server → client WebSocket frames are unmasked
 * text, so their bytes can be matched), as a crash or a network failure after the commit would: the
 * message is stored, and the client never hears so. With `refuseSockets(true)` it closes every
 * connection that asks for a WebSocket upgrade (REST still goes through): no frame can be written.
 */
async function startProxy(
  target: string,
): Promise<{ url: string; dropAcks: (drop: boolean) => void; refuseSockets: (refuse: boolean) => void; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const ACK = Buffer.from('"type":"ack"');
  const UPGRADE = /^upgrade:\s*websocket/im;
  let drop = false;
  let refuse = false;
  const open = new Set<Socket>();
  const proxy: NetServer = createServer((client) => {
    const server = connect(Number(upstream.port), upstream.hostname);
    open.add(client).add(server);
    const end = () => {
      client.destroy();
      server.destroy();
      open.delete(client);
      open.delete(server);
    };
    client.once('error', end).once('close', end);
    server.once('error', end).once('close', end);
    client.on('data', (chunk: Buffer) => {
      if (refuse && UPGRADE.test(chunk.toString('latin1'))) end();
      else server.write(chunk);
    });
    // The last bytes seen, so a frame split across two reads is still matched.
    let tail = Buffer.alloc(0);
    server.on('data', (chunk: Buffer) => {
      const seen = Buffer.concat([tail, chunk]);
      if (drop && seen.includes(ACK)) {
        end();
        return;
      }
      tail = seen.subarray(Math.max(0, seen.length - ACK.length));
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    dropAcks: (value) => {
      drop = value;
    },
    refuseSockets: (value) => {
      refuse = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

describe('chat send --id', () => {
  let server: ServerProcess;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let alice: Record<string, string>;
  const room = `ids-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    const dir = await tempDir('send-id');
    server = await startServer({ dataDir: join(dir, 'data') });
    proxy = await startProxy(server.url);
    alice = userEnv(join(dir, 'alice'), proxy.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], 'correct horse battery staple\n')).code).toBe(0);
    expect((await chat(alice, ['create', room])).code).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  const messages = async () => {
    const r = await chat(alice, ['--json', 'read', room]);
    return (JSON.parse(r.stdout) as { events: unknown[] }).events.map((e) => RoomEvent.parse(e)).filter((e) => e.kind === 'message');
  };

  it('stores a message sent twice with the same --id once', async () => {
    const id = randomUUID();
    const first = await chat(alice, ['send', room, '--id', id, 'only once']);
    expect(first.code, first.stderr).toBe(0);
    const again = await chat(alice, ['--json', 'send', room, '--id', id.toUpperCase(), 'only once']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ duplicate: true, clientMsgId: id });
    const third = await chat(alice, ['send', room, '--id', id, 'only once']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(new RegExp(`^Already in #${room} \\(seq \\d+\\); not sent again\\.$`, 'm'));
    expect((await messages()).filter((e) => e.clientMsgId === id).map((e) => e.body)).toEqual(['only once']);
  });

  it('refuses an --id that is not a UUID with a usage error', async () => {
    const r = await chat(alice, ['send', room, '--id', 'retry-1', 'hello']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--id.*must be a UUID/);
    expect((await messages()).map((e) => e.body)).not.toContain('hello');
  });

  it('says a send whose answer was lost may have gone through, and the retry with --id stores it once', async () => {
    proxy.dropAcks(true);
    let failed;
    try {
      failed = await chat(alice, ['send', room, "it's", 'maybe stored']);
    } finally {
      proxy.dropAcks(false);
    }
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^chat: the connection failed 5 times before the server acknowledged the message; the message may have been stored\. To retry without sending it twice, run:$/m);
    expect(failed.stderr).not.toMatch(/cannot reach/);
    const retry = /^\s*(chat send .*)$/m.exec(failed.stderr)?.[1];
    expect(retry).toMatch(new RegExp(`^chat send ${room} --id [0-9a-f-]{36} -- 'it'\\\\''s' 'maybe stored'$`));
    const id = /--id (\S+)/.exec(retry ?? '')?.[1] as string;
    // The proxy let the send through: it is stored although the command failed.
    expect((await messages()).filter((e) => e.clientMsgId === id).map((e) => e.body)).toEqual(["it's maybe stored"]);
    const again = await chat(alice, ['send', room, '--id', id, "it's", 'maybe stored']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/not sent again/);
    expect((await messages()).filter((e) => e.clientMsgId === id)).toHaveLength(1);
  });

  it('prints a retry command that keeps a text starting with a dash as text, and runs as printed', async () => {
    proxy.dropAcks(true);
    let failed;
    try {
      failed = await chat(alice, ['send', room, '--', '-dash start']);
    } finally {
      proxy.dropAcks(false);
    }
    expect(failed.code).toBe(1);
    const retry = /^\s*(chat send .*)$/m.exec(failed.stderr)?.[1];
    expect(retry).toMatch(new RegExp(`^chat send ${room} --id [0-9a-f-]{36} -- '-dash start'$`));
    const id = /--id (\S+)/.exec(retry ?? '')?.[1] as string;
    const again = await chat(alice, ['send', room, '--id', id, '--', '-dash start']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/not sent again/);
    expect((await messages()).filter((e) => e.clientMsgId === id).map((e) => e.body)).toEqual(['-dash start']);
  });

  it('says a message whose connection was refused was not sent, with no retry command', async () => {
    const dir = await tempDir('send-id-refused');
    const gone = await startProxy(server.url);
    const carol = userEnv(join(dir, 'carol'), gone.url);
    expect((await chat(carol, ['register', 'carol', '--password-stdin'], 'correct horse battery staple\n')).code).toBe(0);
    await gone.close();
    const r = await chat(carol, ['send', room, 'never sent']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^chat: cannot reach the server at \S+: it refused the connection \(check that the server is running at that address\); the message was not sent\.$/m);
    expect(r.stderr).not.toMatch(/may have been stored|--id/);
  });

  it('says a message whose socket could not be opened was not sent, with no retry command, and stores nothing', async () => {
    proxy.refuseSockets(true);
    let r;
    try {
      r = await chat(alice, ['send', room, 'no socket']);
    } finally {
      proxy.refuseSockets(false);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^chat: cannot reach the server after 5 attempts \(check your network connection, or whether the server is up\); the message was not sent\.$/m);
    expect(r.stderr).not.toMatch(/may have been stored|--id/);
    expect((await messages()).map((e) => e.body)).not.toContain('no socket');
  });

  it('refuses an --id already used for a different text in an open room, and stores nothing new', async () => {
    const id = randomUUID();
    expect((await chat(alice, ['send', room, '--id', id, 'the first text'])).code).toBe(0);
    const other = await chat(alice, ['send', room, '--id', id, 'another text']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/this --id was already used for a different message/);
    expect(other.stdout).not.toMatch(/not sent again/);
    expect((await messages()).filter((e) => e.clientMsgId === id).map((e) => e.body)).toEqual(['the first text']);
  });

  describe('in a private room', () => {
    const secret = `ids-private-${randomUUID().slice(0, 6)}`;
    type Read = { events: { clientMsgId: string | null; kind: string; decrypted?: { status: string; body?: string } }[] };
    const opened = async (id: string) => {
      const r = await chat(alice, ['--json', 'read', secret]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Read).events.filter((e) => e.kind === 'message' && e.clientMsgId === id).map((e) => e.decrypted);
    };

    beforeAll(async () => {
      expect((await chat(alice, ['create', secret, '--private'])).code).toBe(0);
    }, 30_000);

    it("shows the sender's own message, not a replay, after the same send twice with one --id", async () => {
      const id = randomUUID();
      expect((await chat(alice, ['send', secret, '--id', id, 'x'])).code).toBe(0);
      const again = await chat(alice, ['send', secret, '--id', id, 'x']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/not sent again/);
      expect(await opened(id)).toEqual([expect.objectContaining({ status: 'ok', body: 'x' })]);
    });

    it("shows the sender's own message after a send whose answer was lost and its printed retry", async () => {
      proxy.dropAcks(true);
      let failed;
      try {
        failed = await chat(alice, ['send', secret, 'maybe stored privately']);
      } finally {
        proxy.dropAcks(false);
      }
      expect(failed.code).toBe(1);
      const id = /--id (\S+)/.exec(failed.stderr)?.[1] as string;
      const again = await chat(alice, ['send', secret, '--id', id, 'maybe stored privately']);
      expect(again.code, again.stderr).toBe(0);
      expect(await opened(id)).toEqual([expect.objectContaining({ status: 'ok', body: 'maybe stored privately' })]);
    });

    it('refuses an --id already used for a different text, and keeps the first', async () => {
      const id = randomUUID();
      expect((await chat(alice, ['send', secret, '--id', id, 'first'])).code).toBe(0);
      const other = await chat(alice, ['send', secret, '--id', id, 'second']);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/this --id was already used for a different message/);
      expect(await opened(id)).toEqual([expect.objectContaining({ status: 'ok', body: 'first' })]);
    });
  });
});
