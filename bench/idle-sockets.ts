// Opens N idle, authenticated sockets to a server and reports its RSS at 100 sockets and at N, so the
// memory of one idle socket is (RSS at N − RSS at 100) / (N − 100). Sockets come from several
// 127.0.0.x source addresses so the ephemeral ports of one address never run short.
import WebSocket from 'ws';
import { rssBytes } from './proc-stats.js';
import { readConfig } from './config-file.js';

interface IdleConfig {
  readonly target: 'ours' | 'bare-ws';
  readonly url: string;
  readonly serverPid: number;
  readonly sockets: number;
  readonly token?: string;
}

async function open(config: IdleConfig, i: number): Promise<WebSocket> {
  const base = config.url.replace(/^http/, 'ws');
  const url = config.target === 'ours' ? `${base}/ws` : `${base}/?room=${i % 10}`;
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    localAddress: `127.0.0.${2 + (i % 8)}`,
    ...(config.token ? { headers: { authorization: `Bearer ${config.token}` } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

async function settle(pid: number): Promise<number> {
  // Give the server a moment (and a GC) before reading its RSS.
  await new Promise((r) => setTimeout(r, 2000));
  return rssBytes(pid);
}

async function run(config: IdleConfig): Promise<void> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < 100; i++) sockets.push(await open(config, i));
  const at100 = await settle(config.serverPid);
  for (let i = 100; i < config.sockets; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, config.sockets - i) }, (_, k) => open(config, i + k)));
    sockets.push(...batch);
  }
  const atN = await settle(config.serverPid);
  process.stdout.write(JSON.stringify({ sockets: sockets.length, rssAt100: at100, rssAtN: atN, bytesPerSocket: (atN - at100) / (sockets.length - 100) }) + '\n');
  for (const ws of sockets) ws.terminate();
}

run(readConfig<IdleConfig>(process.argv[2])).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`idle sockets: ${String(error)}\n`);
    process.exit(1);
  },
);
