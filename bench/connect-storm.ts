// Connect cost and the reconnect storm, a process of its own. Phase 1 opens N sockets to our server,
// each authenticating (Bearer token) and subscribing one room, a few hundred at a time, and reports
// the server's CPU per connect. Then it prints `connected` and waits: the parent restarts the server
// on the same port, and every socket reconnects as our clients do after a going-away close
// (shared/client/backoff.ts: RESTART_BACKOFF, then DEFAULT_BACKOFF; the bench gives up after 60 s),
// and the program reports how long after the server was back (`restarted` on stdin) every socket was
// subscribed again, and how many gave up. With `bare: true` (a bare ws server) phase 1 only opens the
// sockets, for the same figure of a server that does no authentication and no subscribe.
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { backoffDelay, DEFAULT_BACKOFF, RESTART_ATTEMPTS, RESTART_BACKOFF } from '../shared/client/backoff.js';
import { cpuSeconds } from './proc-stats.js';
import { readConfig } from './config-file.js';

interface StormConfig {
  readonly url: string;
  readonly serverPid: number;
  readonly sockets: number;
  /** Users who are members of every room: socket i is user i mod n's, in room i mod rooms. */
  readonly tokens: readonly string[];
  readonly roomIds: readonly string[];
  /** A bare ws server: connect only (no token, no subscribe), then exit after phase 1. */
  readonly bare?: boolean;
}

/** What the program prints, one JSON line each. */
export interface ConnectResult {
  readonly sockets: number;
  readonly seconds: number;
  readonly serverCpuMsPerConnect: number;
  /** This program's own CPU (the clients) over the same phase, per connect: near the wall time, the clients were the limit. */
  readonly clientCpuMsPerConnect: number;
}
export interface StormResult {
  readonly sockets: number;
  readonly secondsToAllBack: number;
  /** When half, and nine in ten, of the sockets were back (seconds after the server listened again). */
  readonly secondsToHalfBack: number;
  readonly secondsToNineTenthsBack: number;
  readonly gaveUp: number;
  readonly attempts: number;
  /** Attempts made after the server listened again that failed, by their error's message. */
  readonly failedAfterRestart: Record<string, number>;
  /** This program's own CPU (the clients) from the server's listening until every socket was back, in seconds. */
  readonly clientCpuSeconds: number;
}

const GIVE_UP_MS = 60_000;

/** Milliseconds of CPU (user + system) in a `process.cpuUsage()` difference. */
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** Opens one socket, authenticates and subscribes; resolves when `subscribed` arrives. */
function openOne(config: StormConfig, i: number, onLost: () => void): Promise<WebSocket> {
  const token = config.tokens[i % config.tokens.length];
  const roomId = config.roomIds[i % config.roomIds.length];
  const base = config.url.replace(/^http/, 'ws');
  const ws = new WebSocket(config.bare ? `${base}/?room=${i % 10}` : `${base}/ws`, {
    headers: config.bare ? {} : { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    localAddress: `127.0.0.${2 + (i % 8)}`,
  });
  return new Promise((resolve, reject) => {
    let done = false;
    if (config.bare) {
      ws.once('open', () => {
        done = true;
        resolve(ws);
      });
    }
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
  const backAt: number[] = [];
  const failedAfterRestart: Record<string, number> = {};
  let allBack: () => void = () => undefined;
  const everyoneBack = new Promise<void>((resolve) => (allBack = resolve));
  const settle = () => {
    if (back + gaveUp === config.sockets) allBack();
  };
  // The schedule of shared/client/live-client.ts after the server's going-away close (1001).
  const delayOf = (attempt: number) => backoffDelay(attempt, Math.random, attempt < RESTART_ATTEMPTS ? RESTART_BACKOFF : DEFAULT_BACKOFF);
  const reconnect = (i: number, since: number, attempt: number): void => {
    setTimeout(() => {
      attempts++;
      openOne(config, i, () => undefined).then(
        () => {
          back++;
          if (restartedAt > 0) backAt.push((performance.now() - restartedAt) / 1000);
          settle();
        },
        (error: unknown) => {
          if (restartedAt > 0) {
            const reason = String((error as Error).message ?? error).replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'ADDR');
            failedAfterRestart[reason] = (failedAfterRestart[reason] ?? 0) + 1;
          }
          if (Date.now() - since > GIVE_UP_MS) {
            gaveUp++;
            settle();
          } else reconnect(i, since, attempt + 1);
        },
      );
    }, delayOf(attempt));
  };
  const onLost = (i: number) => () => {
    lost++;
    reconnect(i, Date.now(), 0);
  };

  const cpu0 = cpuSeconds(config.serverPid);
  const ownCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < config.sockets; i += 250) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(250, config.sockets - i) }, (_, k) => openOne(config, i + k, onLost(i + k))))));
  }
  const connect: ConnectResult = {
    sockets: config.sockets,
    seconds: (performance.now() - t0) / 1000,
    serverCpuMsPerConnect: ((cpuSeconds(config.serverPid) - cpu0) * 1000) / config.sockets,
    clientCpuMsPerConnect: cpuMs(process.cpuUsage(ownCpu0)) / config.sockets,
  };
  process.stdout.write(JSON.stringify(connect) + '\n');
  if (config.bare) {
    for (const ws of sockets) ws.terminate();
    return;
  }
  const line = await lines.next();
  if (line.done || line.value !== 'restarted') return;
  restartedAt = performance.now();
  const ownCpuAtRestart = process.cpuUsage();
  await everyoneBack;
  backAt.sort((a, b) => a - b);
  const quantile = (q: number) => backAt[Math.max(0, Math.ceil(q * backAt.length) - 1)] ?? 0;
  const storm: StormResult = {
    sockets: lost,
    secondsToAllBack: (performance.now() - restartedAt) / 1000,
    secondsToHalfBack: quantile(0.5),
    secondsToNineTenthsBack: quantile(0.9),
    gaveUp,
    attempts,
    failedAfterRestart,
    clientCpuSeconds: cpuMs(process.cpuUsage(ownCpuAtRestart)) / 1000,
  };
  process.stdout.write(JSON.stringify(storm) + '\n');
}

run(readConfig<StormConfig>(process.argv[2])).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`connect storm: ${String(error)}\n`);
    process.exit(1);
  },
);
