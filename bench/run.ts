// `npm run bench`: our server against a bare `ws` broadcast server and Socket.IO + Redis, with the same
// load generator, alternating runs (A B C A B C), the servers pinned to core 0 and the generator to
// core 1. Also idle-socket memory and the CLI's start times. Writes docs/benchmarks.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { StepResult, TargetKind } from './load-generator.js';
import { e2eStoreLatency, e2eStoreSection } from './e2e-store-latency.js';
import { searchLatency } from './search-latency.js';
import { webBundleSection, webBundleSize } from './web-bundle.js';
import { webTimelineRender, webTimelineSection } from './web-timeline-render.js';
import { CAP_MS, subscribeFlood } from './subscribe-flood.js';
import type { AckLatency, SubscribeFloodResult } from './subscribe-flood.js';

const ROOT = resolve(import.meta.dirname, '..');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const CLIENTS = Number(env.BENCH_CLIENTS ?? (QUICK ? 200 : 1000));
const ROOMS = Number(env.BENCH_ROOMS ?? 10);
const RATES = (env.BENCH_RATES ?? (QUICK ? '50,100,200' : '100,200,400,800,1200,1600,2400,3200,4800,6400')).split(',').map(Number);
const RUNS = Number(env.BENCH_RUNS ?? (QUICK ? 1 : 2));
const WARMUP = Number(env.BENCH_WARMUP ?? (QUICK ? 1 : 2));
const MEASURE = Number(env.BENCH_MEASURE ?? (QUICK ? 2 : 5));
// 20k sockets need more than 20,000 file descriptors in the server, which this sandbox's hard limit caps.
const IDLE_SOCKETS = Number(env.BENCH_IDLE_SOCKETS ?? (QUICK ? 2000 : 19_000));
const ADMIN_DB = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const haveTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/**
 * The command line that runs `args` pinned to a core, with a file-descriptor limit large enough for
 * tens of thousands of sockets (the shell's `exec` keeps the pid that of the program).
 */
function pinned(core: number, args: string[]): [string, string[]] {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['sh', ['-c', `ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${haveTaskset ? `taskset -c ${core} ` : ''}${quoted}`]];
}

/** Starts a server process and waits for the port it prints (JSON `{port}` or our log line). */
async function startProcess(args: string[], extraEnv: Record<string, string> = {}): Promise<{ proc: ChildProcess; port: number; pid: number }> {
  const [cmd, argv] = pinned(0, [process.execPath, ...args]);
  const proc = spawn(cmd, argv, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
  });
  proc.stdout?.resume();
  // sh and taskset both exec, so the child's pid is the server's.
  return { proc, port, pid: proc.pid as number };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench setup reads a few known fields
async function api(url: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Ours {
  readonly url: string;
  readonly urls: readonly string[];
  readonly pid: number;
  readonly pids: readonly number[];
  readonly proc: ChildProcess;
  readonly tokens: string[];
  readonly roomIds: string[];
  readonly drop: () => Promise<void>;
}

/**
 * Our server on a fresh PostgreSQL database (or, with `embedded`, the embedded one in a fresh data
 * dir), with 10 users who are members of every bench room; with `instances` > 1, that many processes
 * joined through the local Redis (under a key prefix of their own).
 */
async function startOurs(instances = 1, embedded = false): Promise<Ours> {
  const db = `chat_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_DB);
  url.pathname = `/${db}`;
  if (!embedded) {
    const admin = new pg.Client({ connectionString: ADMIN_DB });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const shared = {
    ...(embedded ? {} : { DATABASE_URL: url.toString() }),
    LOG_LEVEL: 'info',
    CHAT_AUTH_RATE_LIMIT: '100000',
    CHAT_JWT_SECRET: randomBytes(32).toString('hex'),
    ...(instances > 1 ? { REDIS_URL: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', CHAT_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` } : {}),
  };
  const procs: { proc: ChildProcess; port: number; pid: number }[] = [];
  // One at a time: the first applies the migrations.
  for (let i = 0; i < instances; i++) procs.push(await startProcess([join(ROOT, 'dist/server/main.js'), '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], shared));
  const { proc, pid } = procs[0] as { proc: ChildProcess; pid: number };
  const urls = procs.map((p) => `http://127.0.0.1:${p.port}`);
  const base = urls[0] as string;
  const tokens: string[] = [];
  for (let i = 0; i < 10; i++) {
    const s = await api(base, '/auth/register', { username: `bench${i}`, password: 'bench password' });
    tokens.push(s.tokens.accessToken);
  }
  const roomIds: string[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const { room } = await api(base, '/rooms', { name: `bench-${r}` }, tokens[0]);
    roomIds.push(room.id);
    for (const t of tokens.slice(1)) await api(base, `/rooms/${room.id}/join`, {}, t);
  }
  return {
    url: base,
    urls,
    pid,
    pids: procs.map((p) => p.pid),
    proc,
    tokens,
    roomIds,
    drop: async () => {
      for (const p of procs) await stop(p.proc);
      if (embedded) return;
      const c = new pg.Client({ connectionString: ADMIN_DB });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    },
  };
}

function runGenerator(config: object): StepResult[] {
  const [cmd, argv] = pinned(1, [process.execPath, join(ROOT, 'dist-bench/load-generator.js'), JSON.stringify(config)]);
  const out = execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  return out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StepResult);
}

async function fanOut(target: TargetKind): Promise<StepResult[]> {
  const base = { target, clients: CLIENTS, rooms: ROOMS, rates: RATES, warmupSeconds: WARMUP, measureSeconds: MEASURE };
  if (target === 'ours' || target === 'ours-redis') {
    const ours = await startOurs(target === 'ours' ? 1 : 2);
    try {
      return runGenerator({ ...base, url: ours.url, urls: ours.urls, serverPid: ours.pid, serverPids: ours.pids, tokens: ours.tokens, roomIds: ours.roomIds });
    } finally {
      await ours.drop();
    }
  }
  const script = target === 'bare-ws' ? 'bare-ws-server.js' : 'socketio-server.js';
  const { proc, port, pid } = await startProcess([join(ROOT, 'dist-bench', script), '0']);
  try {
    return runGenerator({ ...base, url: `http://127.0.0.1:${port}`, serverPid: pid });
  } finally {
    await stop(proc);
  }
}

function idleRow(name: string, r: IdleResult | string): string {
  if (typeof r === 'string') return `| ${name} | ${r} | | | |`;
  return `| ${name} | ${fmt(r.sockets)} | ${fmt(r.rssAt100 / 2 ** 20, 1)} MiB | ${fmt(r.rssAtN / 2 ** 20, 1)} MiB | ${fmt(r.bytesPerSocket / 1024, 1)} KiB |`;
}

/** Encrypt and decrypt throughput of the sender-key envelopes, and the safety number. */
async function cryptoThroughput(): Promise<{ name: string; perSecond: number }[]> {
  const c = await import('../shared/crypto/index.js');
  const keys = await c.generateDeviceKeys({ userId: 'u', deviceId: 'd', extractable: false, now: Date.now() });
  let chain = await c.newOutboundChain(Date.now(), false);
  // The receiver follows the chain from its start, as a member given the first share would.
  let inbound = c.inboundFromShare(await c.shareOf(chain), { roomId: 'r', senderUser: 'u', senderDevice: 'd' });
  const header = { roomId: 'r', senderUser: 'u', senderDevice: 'd', clientMsgId: 'm' };
  const body = 'x'.repeat(200);
  const n = 2000;
  const envelopes = [];
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await c.encryptMessage(chain, header, { body, sentAt: 0 });
    chain = r.chain;
    envelopes.push(r.envelope);
  }
  const encrypt = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const e of envelopes) inbound = (await c.decryptMessage(inbound, e)).chain;
  const decrypt = n / ((performance.now() - t0) / 1000);
  const bundle = await c.verifyBundle(await c.publicBundle(keys));
  const share = await c.shareOf(chain);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) await c.sealShare(keys, bundle, 'r', share);
  const seal = 200 / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < 5; i++) await c.safetyNumber({ userId: 'a', keys: [bundle.bundle.signingKey] }, { userId: 'b', keys: [bundle.bundle.signingKey] });
  const safety = 5 / ((performance.now() - t0) / 1000);
  return [
    { name: 'encrypt a 200-character message (ratchet, HKDF, AES-GCM, ECDSA sign)', perSecond: encrypt },
    { name: 'decrypt it (ECDSA verify, ratchet, HKDF, AES-GCM)', perSecond: decrypt },
    { name: 'seal a chain share for one device (2× ECDH, HKDF, AES-GCM, sign)', perSecond: seal },
    { name: 'safety number (2 × 5,200 SHA-512)', perSecond: safety },
  ];
}

interface IdleResult {
  readonly sockets: number;
  readonly rssAt100: number;
  readonly rssAtN: number;
  readonly bytesPerSocket: number;
}

async function idle(target: 'ours' | 'bare-ws'): Promise<IdleResult> {
  const run = (config: object): IdleResult => {
    const [cmd, argv] = pinned(1, [process.execPath, join(ROOT, 'dist-bench/idle-sockets.js'), JSON.stringify(config)]);
    return JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as IdleResult;
  };
  if (target === 'ours') {
    const ours = await startOurs();
    try {
      return run({ target, url: ours.url, serverPid: ours.pid, sockets: IDLE_SOCKETS, token: ours.tokens[0] });
    } finally {
      await ours.drop();
    }
  }
  const { proc, port, pid } = await startProcess([join(ROOT, 'dist-bench/bare-ws-server.js'), '0']);
  try {
    return run({ target, url: `http://127.0.0.1:${port}`, serverPid: pid, sockets: IDLE_SOCKETS });
  } finally {
    await stop(proc);
  }
}

/** Median wall time of a command over `n` runs, in ms. */
function wallMs(args: string[], n: number, extraEnv: Record<string, string>): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { env: { ...env, ...extraEnv }, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function cliTimes(): Promise<{ help: number; send: number; nodeBaseline: number }> {
  const ours = await startOurs();
  try {
    const home = mkdtempSync(join(tmpdir(), 'chat-bench-home-'));
    const cliEnv = { CHAT_HOME: home, CHAT_SERVER: ours.url, CHAT_KEYSTORE: 'file', CHAT_KEYSTORE_PASSPHRASE: 'bench' };
    const chat = join(ROOT, 'dist/cli/main.js');
    const login = spawnSync(process.execPath, [chat, 'login', 'bench1', '--password-stdin'], { env: { ...env, ...cliEnv }, input: 'bench password\n' });
    if (login.status !== 0) throw new Error(`chat login failed: ${login.stderr}`);
    return {
      nodeBaseline: wallMs(['-e', ''], 15, {}),
      help: wallMs([chat, '--help'], 15, cliEnv),
      send: wallMs([chat, 'send', 'bench-0', 'hello from the benchmark'], 15, cliEnv),
    };
  } finally {
    await ours.drop();
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function peak(steps: StepResult[]): StepResult | undefined {
  return steps.filter((s) => s.deliveredPerSecond >= 0.95 * s.expectedDeliveriesPerSecond && s.p99Ms <= 50).at(-1);
}

function table(name: string, steps: StepResult[]): string {
  const rows = steps.map(
    (s) =>
      `| ${fmt(s.rate)} | ${fmt(s.expectedDeliveriesPerSecond)} | ${fmt(s.deliveredPerSecond)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.maxMs, 1)} | ${fmt(s.serverCpuMicrosPerDelivery, 2)} | ${fmt(s.serverCpuPercent)}% | ${fmt(s.generatorCpuPercent)}% |`,
  );
  return [`#### ${name}`, '', '| msgs/s offered | deliveries/s expected | delivered/s | p50 ms | p99 ms | max ms | server CPU µs/delivery | server CPU | generator CPU |', '|---|---|---|---|---|---|---|---|---|', ...rows, ''].join('\n');
}

async function main(): Promise<void> {
  const targets = (env.BENCH_TARGETS ?? 'ours,ours-redis,bare-ws,socketio').split(',') as TargetKind[];
  const names: Record<TargetKind, string> = {
    ours: 'ours (auth + PostgreSQL + seq)',
    'ours-redis': 'ours, two instances on Redis',
    'bare-ws': 'bare ws broadcast',
    socketio: 'Socket.IO + Redis adapter',
  };
  const results: { target: TargetKind; run: number; steps: StepResult[] }[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const target of targets) {
      process.stderr.write(`bench: fan-out, ${names[target]}, run ${run}\n`);
      results.push({ target, run, steps: await fanOut(target) });
    }
  }
  writeFileSync(join(ROOT, 'dist-bench/fan-out.json'), JSON.stringify(results, null, 2));
  if (env.BENCH_FANOUT_ONLY === '1') return;
  // Each remaining section stands alone: a failure is reported in the document, not lost with the rest.
  const attempt = async <T>(name: string, fn: () => Promise<T>): Promise<T | string> => {
    process.stderr.write(`bench: ${name}\n`);
    try {
      return await fn();
    } catch (error) {
      process.stderr.write(`bench: ${name} failed: ${(error as Error).message}\n`);
      return `failed: ${(error as Error).message.split('\n')[0]}`;
    }
  };
  const idleOurs = await attempt('idle sockets (ours)', () => idle('ours'));
  const idleBare = await attempt('idle sockets (bare ws)', () => idle('bare-ws'));
  const cli = await attempt('CLI start', () => cliTimes());
  const cryptoSpeed = await attempt('crypto throughput', () => cryptoThroughput());
  const searchMessages = Number(env.BENCH_SEARCH_MESSAGES ?? (QUICK ? 100_000 : 1_000_000));
  const search = await attempt(`search over ${fmt(searchMessages)} messages`, () => searchLatency(ADMIN_DB, searchMessages, (l) => process.stderr.write(`${l}\n`)));
  const floodOptions = { frames: 100, roomsPerFrame: 500, probeSeconds: QUICK ? 3 : 10, probeIntervalMs: 50 };
  const floodOn = (embedded: boolean) => async () => {
    const target = await startOurs(1, embedded);
    try {
      const [victim, attacker] = [target.tokens[1] as string, target.tokens[9] as string];
      return await subscribeFlood(target.url, attacker, victim, target.roomIds[0] as string, floodOptions);
    } finally {
      await target.drop();
    }
  };
  const flood: [string, SubscribeFloodResult | string][] = [
    ['PostgreSQL', await attempt('subscribe flood (PostgreSQL)', floodOn(false))],
    ['embedded (PGlite)', await attempt('subscribe flood (embedded)', floodOn(true))],
  ];
  const e2eStore = await attempt('local end-to-end store', () => e2eStoreLatency((l) => process.stderr.write(`${l}\n`)));
  const webBundle = await attempt('web bundle size', async () => webBundleSize(join(ROOT, 'web/dist')));
  const webTimeline = await attempt('web timeline, 10,000 messages', () => webTimelineRender());

  const best = (t: TargetKind) => Math.max(0, ...results.filter((r) => r.target === t).map((r) => peak(r.steps)?.deliveredPerSecond ?? 0));
  const [ours, oursRedis, bare, sio] = [best('ours'), best('ours-redis'), best('bare-ws'), best('socketio')];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const doc = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpu}), Node ${process.version}.
${haveTaskset ? 'Servers pinned to core 0 (both instances of the two-instance configuration share it) and the load generator to core 1 with `taskset`; PostgreSQL and Redis float.' : '`taskset` was not available: nothing was pinned.'}
Load: ${fmt(CLIENTS)} WebSocket clients in ${ROOMS} rooms (${fmt(CLIENTS / ROOMS)} per room), open-loop senders spread over every
client, ${WARMUP} s warm-up discarded and ${MEASURE} s measured per step, stepping up until delivered < 95 % of expected or p99 > 50 ms.
A delivery is one message reaching one client (the sender included). One probe client per room measures latency.
Runs alternate between the servers (${RUNS} of each).

## Peak fan-out (deliveries/s at the last step that kept up)

| server | peak deliveries/s | vs bare ws | vs Socket.IO + Redis |
|---|---|---|---|
| ${names.ours} | ${fmt(ours)} | ${fmt(bare ? ours / bare : 0, 2)}× | ${fmt(sio ? ours / sio : 0, 2)}× |
| ${names['ours-redis']} | ${fmt(oursRedis)} | ${fmt(bare ? oursRedis / bare : 0, 2)}× | ${fmt(sio ? oursRedis / sio : 0, 2)}× |
| ${names['bare-ws']} | ${fmt(bare)} | 1.00× | ${fmt(sio ? bare / sio : 0, 2)}× |
| ${names.socketio} | ${fmt(sio)} | ${fmt(bare ? sio / bare : 0, 2)}× | 1.00× |

Targets: ≥ 1.0× bare ws and ≥ 1.5× Socket.IO + Redis; p99 < 10 ms at 40k deliveries/s.

## Every step

${results.map((r) => table(`${names[r.target]}, run ${r.run}`, r.steps)).join('\n')}
Our server's CPU is the node process only; PostgreSQL's work for each insert is on top of it.

## Idle sockets

| server | sockets | RSS at 100 | RSS at N | per idle socket |
|---|---|---|---|---|
${idleRow('ours (authenticated)', idleOurs)}
${idleRow('bare ws', idleBare)}

Target: ≤ 8 KiB per idle socket and 20k sockets per instance.

## The CLI's start

${
  typeof cli === 'string'
    ? cli
    : `| command | median wall time |
|---|---|
| \`node -e ''\` (Node's own start, for reference) | ${fmt(cli.nodeBaseline)} ms |
| \`chat --help\` | ${fmt(cli.help)} ms |
| \`chat send\` (open room; signed in, encrypted-file keystore, local server) | ${fmt(cli.send)} ms |`
}

Targets: \`chat --help\` < 150 ms, \`chat send\` < 300 ms.

## End-to-end crypto (shared/crypto, in one Node process)

${
  typeof cryptoSpeed === 'string'
    ? cryptoSpeed
    : `| operation | per second | per operation |
|---|---|---|
${cryptoSpeed.map((c) => `| ${c.name} | ${fmt(c.perSecond)} | ${fmt(1e6 / c.perSecond, 1)} µs |`).join('\n')}`
}

## Server full-text search

${
  typeof search === 'string'
    ? search
    : `${fmt(search.messages)} messages of 6 to 25 words (a 5,000-word made-up vocabulary, skewed so the first words are
common) in 20 open rooms, all searched; loaded and indexed in ${fmt(search.loadSeconds)} s. Each shape: 50 queries of
fresh random words, one at a time, through the Store (no cache), 20 results with snippets.

| query | p50 ms | p95 ms | max ms | results (mean) |
|---|---|---|---|---|
${search.shapes.map((q) => `| ${q.shape} | ${fmt(q.p50, 1)} | ${fmt(q.p95, 1)} | ${fmt(q.max, 1)} | ${fmt(q.hitsAvg, 1)} |`).join('\n')}
| all | ${fmt(search.all.p50, 1)} | ${fmt(search.all.p95, 1)} | | |`
}

Target: p95 < 20 ms at 1M messages.

## Another user's acks during a subscribe flood

One socket sends ${fmt(floodOptions.frames)} \`subscribe\` frames of ${fmt(floodOptions.roomsPerFrame)} random room ids (rooms it is not in) as fast as it
can, while another user sends a message every ${fmt(floodOptions.probeIntervalMs)} ms for ${fmt(floodOptions.probeSeconds)} s without waiting for acks; the same
without the flood first. A send not acknowledged within ${fmt(CAP_MS / 1000)} s of the last one counts as ${fmt(CAP_MS / 1000)} s.

| database | phase | sent | not acked | p50 ms | p99 ms | max ms | the flooding socket |
|---|---|---|---|---|---|---|---|
${flood
  .map(([db, r]) =>
    typeof r === 'string'
      ? `| ${db} | ${r} | | | | | | |`
      : (
          [
            ['no flood', r.quiet, ''],
            [
              'during the flood',
              r.flooded,
              `${fmt(r.attacker.errorFrames)} error frames, ${r.attacker.closeCode === null ? 'not closed' : `closed ${r.attacker.closeCode} after ${fmt(r.attacker.closedAfterMs ?? 0)} ms`}`,
            ],
          ] as [string, AckLatency, string][]
        )
          .map(([phase, a, note]) => `| ${db} | ${phase} | ${fmt(a.sent)} | ${fmt(a.timedOut)} | ${fmt(a.p50Ms, 1)} | ${fmt(a.p99Ms, 1)} | ${fmt(a.maxMs, 1)} | ${note} |`)
          .join('\n'),
  )
  .join('\n')}

Target: every send acknowledged, the other user's p99 during the flood close to the quiet one, and the flooding socket closed with 4029 after a few error frames.

## Local end-to-end store

${e2eStoreSection(e2eStore)}

## Web client bundle

${typeof webBundle === 'string' ? webBundle : webBundleSection(webBundle)}

## Web timeline

${webTimelineSection(webTimeline)}

`;
  const extra = readFileSync(join(ROOT, 'docs/benchmarks-notes.md'), 'utf8');
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), doc + '\n' + extra);
  writeFileSync(join(ROOT, 'dist-bench/results.json'), JSON.stringify({ results, idleOurs, idleBare, cli, search, flood, e2eStore, webBundle, webTimeline }, null, 2));
  process.stderr.write('bench: wrote docs/benchmarks.md\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
