// Connect cost and the reconnect storm, a process of its own. Phase 1 opens N sockets to our server,
// each authenticating (Bearer token) and subscribing one room, a few hundred at a time, and reports
// the server's CPU per connect. Then it prints `connected` and waits: the parent restarts the server
// on the same port, and every socket reconnects as our clients do (jittered exponential backoff from
// 250 ms, capped at 5 s, giving up after 60 s), and the program reports how long after the server was
// back (`restarted` on stdin) every socket was subscribed again, and how many gave up.
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { cpuSeconds } from './proc-stats.js';

interface StormConfig {
  readonly url: string;
  readonly serverPid: number;
  readonly sockets: number;
  /** Users who are members of every room: socket i is user i mod n's, in room i mod rooms. */
  readonly tokens: readonly string[];
  readonly roomIds: readonly string[];
}

/** What the program prints, one JSON line each. */
export interface ConnectResult {
  readonly sockets: number;
  readonly seconds: number;
  readonly serverCpuMsPerConnect: number;
}
export interface StormResult {
  readonly sockets: number;
  readonly secondsToAllBack: number;
  readonly gaveUp: number;
  readonly attempts: number;
}

const GIVE_UP_MS = 60_000;

/** Opens one socket, authenticates and subscribes; resolves when `subscribed` arrives. */
function openOne(config: StormConfig, i: number, onLost: () => void): Promise<WebSocket> {
  const token = config.tokens[i % config.tokens.length];
  const roomId = config.roomIds[i % config.roomIds.length];
  const ws = new WebSocket(`${config.url.replace(/^http/, 'ws')}/ws`, {
    headers: { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    localAddress: `127.0.0.${2 + (i % 8)}`,
  });
  return new Promise((resolve, reject) => {
    let done = false;
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      if (text.startsWith('{"type":"ready"')) ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 0 }] }));
      else if (!done && text.startsWith('{"type":"subscribed"')) {
        done = true;
        resolve(ws);
      }
    });
    ws.once('error', (error) => {
      if (!done) reject(error);
    });
    ws.once('close', () => {
      if (done) onLost();
      else reject(new Error('closed before subscribing'));
    });
  });
}

async function run(config: StormConfig): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  let restartedAt = 0;
  let back = 0;
  let gaveUp = 0;
  let attempts = 0;
  let lost = 0;
  let allBack: () => void = () => undefined;
  const everyoneBack = new Promise<void>((resolve) => (allBack = resolve));
  const settle = () => {
    if (back + gaveUp === config.sockets) allBack();
  };
  const reconnect = (i: number, since: number, delay: number): void => {
    setTimeout(() => {
      attempts++;
      openOne(config, i, () => undefined).then(
        () => {
          back++;
          settle();
        },
        () => {
          if (Date.now() - since > GIVE_UP_MS) {
            gaveUp++;
            settle();
          } else reconnect(i, since, Math.min(delay * 2, 5_000));
        },
      );
    }, delay / 2 + Math.random() * (delay / 2));
  };
  const onLost = (i: number) => () => {
    lost++;
    reconnect(i, Date.now(), 250);
  };

  const cpu0 = cpuSeconds(config.serverPid);
  const t0 = performance.now();
  for (let i = 0; i < config.sockets; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, config.sockets - i) }, (_, k) => openOne(config, i + k, onLost(i + k))));
  }
  const connect: ConnectResult = {
    sockets: config.sockets,
    seconds: (performance.now() - t0) / 1000,
    serverCpuMsPerConnect: ((cpuSeconds(config.serverPid) - cpu0) * 1000) / config.sockets,
  };
  process.stdout.write(JSON.stringify(connect) + '\n');
  const line = await lines.next();
  if (line.done || line.value !== 'restarted') return;
  restartedAt = performance.now();
  await everyoneBack;
  const storm: StormResult = { sockets: lost, secondsToAllBack: (performance.now() - restartedAt) / 1000, gaveUp, attempts };
  process.stdout.write(JSON.stringify(storm) + '\n');
}

run(JSON.parse(process.argv[2] ?? '{}') as StormConfig).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`connect storm: ${String(error)}\n`);
    process.exit(1);
  },
);
