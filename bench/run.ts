// `npm run bench`: our server against a bare `ws` broadcast server and Socket.IO + Redis, with the same
// load generator, alternating runs (A B C A B C), the servers pinned to core 0 and the generator to
// core 1. Also idle-socket memory and the CLI's start times. Writes docs/benchmarks.md.
//
// Issue 19's goals, on a machine of 16 cores or more (PostgreSQL and Redis on 127.0.0.1, `taskset`
// installed), are measured by this one command, whose defaults there are the goal configuration
// (10,000 clients in 100 rooms of 100, six generator processes on their own cores, 20,000 idle
// sockets, a 10,000-socket reconnect storm):
//
//   ulimit -n 200000 && npm run bench
//
// (BENCH_SKIP=search,local,composer,web,CLI,crypto,subscribe leaves out the sections of other issues.)
// BENCH_REUSE=<an earlier run's dist-bench/results.json> takes each section BENCH_SKIP leaves out (`fan-out`
// included) from that run, so a few sections can be run again and the report still has them all:
//
//   cp dist-bench/results.json /tmp/full.json && BENCH_REUSE=/tmp/full.json BENCH_SKIP=search,local,composer,web,CLI,crypto npm run bench
// BENCH_STORM_ONLY=1 (with BENCH_STORM_SOCKETS=N, default 2,000) runs only the connect cost and the
// reconnect storm against bare ws, prints them as JSON and leaves docs/benchmarks.md alone.
// BENCH_MEMORY_ONLY=1 runs only the embedded-memory section (first start, restart, PGlite alone on the
// same data dir), prints it as JSON in MiB with the load average, and leaves docs/benchmarks.md alone.
// BENCH_FANOUT_ONLY=1 runs only the fan-out (BENCH_TARGETS, BENCH_RATES, BENCH_WARMUP, BENCH_MEASURE,
// BENCH_CLIENTS, BENCH_ROOMS choose it) and writes dist-bench/fan-out.json. BENCH_SLOW_TRACE_MS=N logs each
// probe delivery at least N ms late with its wall-clock time, to line stalls up with a trace of the server
// (`perf record -k CLOCK_REALTIME`); BENCH_SERVER_NODE_FLAGS passes Node flags to our server.
// The child programs take their config as a file (`@path`, see config-file.ts). bench/portable/pack.sh packs
// all this, with a Node binary, for a machine without Node.js or network (bench/portable/run.sh runs it there).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { GeneratorConfig, StepResult, TargetKind } from './load-generator.js';
import { runShardedGenerator } from './sharded-generator.js';
import { configArgument } from './config-file.js';
import { stepBroke } from './step-result.js';
import type { ConnectResult, StormResult } from './connect-storm.js';
import { createInterface } from 'node:readline';
import type { ComposerLatency } from './composer-latency.js';
import { composerLatencySection } from './composer-latency.js';
import { e2eStoreLatency, e2eStoreSection } from './e2e-store-latency.js';
import { searchLatency } from './search-latency.js';
import { webBundleSection, webBundleSize } from './web-bundle.js';
import { webTimelineRender, webTimelineSection } from './web-timeline-render.js';
import { CAP_MS, subscribeFlood } from './subscribe-flood.js';
import type { AckLatency, SubscribeFloodResult } from './subscribe-flood.js';

const ROOT = resolve(import.meta.dirname, '..');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
/**
 * On a machine of 16 cores or more, the defaults are issue 19's goal configuration: 10,000 clients in
 * 100 rooms of 100, rates up to 1,500 messages/s (150k deliveries/s), 20,000 idle sockets and a
 * reconnect storm of 10,000, so that there `npm run bench` alone measures every goal. On fewer cores
 * (where the generator cannot outrun the servers) the defaults are smaller; the BENCH_* variables
 * override either.
 */
const GOAL_MACHINE = cpus().length >= 16 && !QUICK;
const CLIENTS = Number(env.BENCH_CLIENTS ?? (QUICK ? 200 : GOAL_MACHINE ? 10_000 : 1000));
const ROOMS = Number(env.BENCH_ROOMS ?? (GOAL_MACHINE ? 100 : 10));
const RATES = (env.BENCH_RATES ?? (QUICK ? '50,100,200' : GOAL_MACHINE ? '100,200,300,400,500,600,700,800,900,1000,1100,1200,1300,1400,1500' : '100,200,400,800,1200,1600,2400,3200,4800,6400')).split(',').map(Number);
const RUNS = Number(env.BENCH_RUNS ?? (QUICK ? 1 : 2));
const WARMUP = Number(env.BENCH_WARMUP ?? (QUICK ? 1 : 2));
const MEASURE = Number(env.BENCH_MEASURE ?? (QUICK ? 2 : 5));
// 20k sockets need more than 20,000 file descriptors in the server, which this sandbox's hard limit caps.
const IDLE_SOCKETS = Number(env.BENCH_IDLE_SOCKETS ?? (QUICK ? 2000 : GOAL_MACHINE ? 20_000 : 19_000));
const ADMIN_DB = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Node flags for our server's processes only (`BENCH_SERVER_NODE_FLAGS`, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const SERVER_NODE_FLAGS = (env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const haveTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const CORES = cpus().length;
/**
 * Sockets per bench user: with a send costing 5 of a user's 400 frame-budget units a second, a user
 * may send 80 messages a second, so the load is spread over CLIENTS / SOCKETS_PER_USER users.
 */
const SOCKETS_PER_USER = 10;
/**
 * Load generator processes (`BENCH_GENERATORS`): by default one per core left after the server's two,
 * at most six, and one on a machine of fewer than four cores.
 */
const GENERATORS = Number(env.BENCH_GENERATORS ?? (CORES >= 4 ? Math.min(6, CORES - 2) : 1));
/** The cores the generator shards are pinned to: those after the server's two, shared round-robin. */
function generatorCores(): number[] {
  const free = CORES > 2 ? Array.from({ length: CORES - 2 }, (_, i) => i + 2) : [CORES - 1];
  return Array.from({ length: GENERATORS }, (_, i) => free[i % free.length] as number);
}

/**
 * The command line that runs `args` pinned to a core, with a file-descriptor limit large enough for
 * tens of thousands of sockets (the shell's `exec` keeps the pid that of the program).
 */
function pinned(core: number | string, args: string[]): [string, string[]] {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['sh', ['-c', `ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${haveTaskset ? `taskset -c ${core} ` : ''}${quoted}`]];
}

/** Starts a server process and waits for the port it prints (JSON `{port}` or our log line). */
async function startProcess(args: string[], extraEnv: Record<string, string> = {}, cores = '0'): Promise<{ proc: ChildProcess; port: number; pid: number }> {
  const [cmd, argv] = pinned(cores, [process.execPath, ...args]);
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
  /** Stops the first instance (SIGTERM) and starts it again on the same port and data; resolves when it listens. */
  readonly restart: () => Promise<void>;
  /** The first instance's pid now (it changes with `restart`). */
  readonly currentPid: () => number;
  /** Stops every instance, keeping the data (the embedded data dir or the database). */
  readonly stopAll: () => Promise<void>;
  readonly dataDir: string;
  readonly drop: () => Promise<void>;
}

/** Users the fan-out needs: `SOCKETS_PER_USER` sockets each, and at least the ten members of every room. */
const FAN_OUT_USERS = Math.max(10, Math.ceil(CLIENTS / SOCKETS_PER_USER));

/**
 * Our server on a fresh PostgreSQL database (or, with `embedded`, the embedded one in a fresh data
 * dir), with `users` signed-up users (at least 10; the first ten are members of every bench room, each
 * later one of the room its sockets use); with `instances` > 1, that many processes joined through the
 * local Redis (under a key prefix of their own). Sign-ups hash with argon2 (~13 ms each on the server's
 * core), so the sections that use only the first ten users ask for ten.
 */
async function startOurs(instances = 1, embedded = false, cores = '0', users = 10): Promise<Ours> {
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
    // The idle-socket and reconnect benches hold thousands of sockets for few users.
    CHAT_MAX_SOCKETS_PER_USER: '100000',
    ...(instances > 1 ? { REDIS_URL: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', CHAT_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` } : {}),
  };
  const procs: { proc: ChildProcess; port: number; pid: number }[] = [];
  // One at a time: the first applies the migrations.
  const args = (port: number) => [...SERVER_NODE_FLAGS, join(ROOT, 'dist/server/main.js'), '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir];
  for (let i = 0; i < instances; i++) procs.push(await startProcess(args(0), shared, cores));
  const { proc, pid } = procs[0] as { proc: ChildProcess; pid: number };
  const urls = procs.map((p) => `http://127.0.0.1:${p.port}`);
  const base = urls[0] as string;
  // The first ten users are members of every room; the others of the one room their sockets use.
  const perRoom = Math.floor(CLIENTS / ROOMS);
  const tokens: string[] = [];
  for (let i = 0; i < users; i++) {
    const s = await api(base, '/auth/register', { username: `bench${i}`, password: 'bench password' });
    tokens.push(s.tokens.accessToken);
  }
  const roomIds: string[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const { room } = await api(base, '/rooms', { name: `bench-${r}` }, tokens[0]);
    roomIds.push(room.id);
    for (const t of tokens.slice(1, 10)) await api(base, `/rooms/${room.id}/join`, {}, t);
  }
  for (let u = 10; u < users; u++) {
    const rooms = new Set([Math.floor((u * SOCKETS_PER_USER) / perRoom), Math.floor(((u + 1) * SOCKETS_PER_USER - 1) / perRoom)]);
    for (const r of rooms) if (r < ROOMS) await api(base, `/rooms/${roomIds[r]}/join`, {}, tokens[u]);
  }
  return {
    url: base,
    urls,
    pid,
    pids: procs.map((p) => p.pid),
    proc,
    tokens,
    roomIds,
    restart: async () => {
      const first = procs[0] as { proc: ChildProcess; port: number; pid: number };
      await stop(first.proc);
      procs[0] = await startProcess(args(first.port), shared, cores);
    },
    currentPid: () => (procs[0] as { pid: number }).pid,
    stopAll: async () => {
      for (const p of procs) await stop(p.proc);
    },
    dataDir,
    drop: async () => {
      for (const p of procs) await stop(p.proc);
      rmSync(dataDir, { recursive: true, force: true });
      if (embedded) return;
      const c = new pg.Client({ connectionString: ADMIN_DB });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The connect cost (server CPU per upgrade + authenticate + subscribe one room) and the reconnect storm
 * (every socket reconnecting after the server restarts), on the embedded database, the server pinned
 * to one core as in the fan-out runs.
 */
async function connectStorm(sockets: number): Promise<{ connect: ConnectResult; storm: StormResult; bare: ConnectResult; restartSeconds: number; stormServerCpuMsPerReconnect: number }> {
  // The same sockets opened to a bare ws server first (no authentication, no subscribe), for a ratio
  // measured in the same run on the same machine.
  const bareServer = await startProcess([join(ROOT, 'dist-bench/bare-ws-server.js'), '0']);
  let bare: ConnectResult;
  try {
    const config = { url: `http://127.0.0.1:${bareServer.port}`, serverPid: bareServer.pid, sockets, tokens: [''], roomIds: [''], bare: true };
    const [cmd, argv] = pinned(generatorCores()[0] as number, [process.execPath, join(ROOT, 'dist-bench/connect-storm.js'), configArgument(config)]);
    bare = JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n')[0] as string) as ConnectResult;
  } finally {
    await stop(bareServer.proc);
  }
  const ours = await startOurs(1, true, '0');
  try {
    // The first ten bench users are members of every room.
    const config = { url: ours.url, serverPid: ours.pid, sockets, tokens: ours.tokens.slice(0, 10), roomIds: ours.roomIds };
    const [cmd, argv] = pinned(generatorCores()[0] as number, [process.execPath, join(ROOT, 'dist-bench/connect-storm.js'), configArgument(config)]);
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const read = async <T>(): Promise<T> => {
      const line = await lines.next();
      if (line.done) throw new Error('the connect-storm program ended early');
      return JSON.parse(line.value) as T;
    };
    const connect = await read<ConnectResult>();
    const stopping = performance.now();
    await ours.restart();
    const restartSeconds = (performance.now() - stopping) / 1000;
    const cpuAtListen = cpuSeconds(ours.currentPid());
    child.stdin.write('restarted\n');
    const storm = await read<StormResult>();
    // The restarted server's CPU (both threads) from listening until every socket was back, per socket.
    const stormServerCpuMsPerReconnect = ((cpuSeconds(ours.currentPid()) - cpuAtListen) * 1000) / Math.max(storm.sockets, 1);
    child.stdin.end();
    return { connect, storm, bare, restartSeconds, stormServerCpuMsPerReconnect };
  } finally {
    await ours.drop();
  }
}

/**
 * Idle RSS of the embedded server, each 3 s after it is ready: at its first start on an empty data dir
 * before any request (what initdb left), the same first start after the bench's set-up (its sign-ups
 * hash passwords with argon2, 19 MiB each), after a restart on that data dir, and of PGlite alone opened
 * on the same data dir by a bare Node process; bytes.
 */
async function embeddedMemory(): Promise<{ firstStart: number; firstStartAfterSetup: number; restart: number; pgliteAlone: number }> {
  const settle = () => new Promise((r) => setTimeout(r, 3000));
  const emptyDir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const bare = await startProcess([...SERVER_NODE_FLAGS, join(ROOT, 'dist/server/main.js'), '--port', '0', '--host', '127.0.0.1', '--data-dir', emptyDir], {}, '0');
  await settle();
  const firstStart = rssBytes(bare.pid);
  await stop(bare.proc);
  rmSync(emptyDir, { recursive: true, force: true });
  const ours = await startOurs(1, true, '0');
  try {
    await settle();
    const firstStartAfterSetup = rssBytes(ours.pid);
    await ours.restart();
    await settle();
    const restart = rssBytes(ours.currentPid());
    await ours.stopAll();
    const script = `import('@electric-sql/pglite').then(async ({ PGlite }) => { const db = new PGlite(${JSON.stringify(join(ours.dataDir, 'pglite'))}); await db.waitReady; await db.query('select 1'); process.stdout.write('{"port":0}\\n'); setInterval(() => {}, 1000); })`;
    const alone = await startProcess(['--input-type=module', '-e', script]);
    await settle();
    const pgliteAlone = rssBytes(alone.pid);
    await stop(alone.proc);
    return { firstStart, firstStartAfterSetup, restart, pgliteAlone };
  } finally {
    await ours.drop();
  }
}

async function runGenerator(config: GeneratorConfig): Promise<StepResult[]> {
  const script = join(ROOT, 'dist-bench/load-generator.js');
  if (GENERATORS > 1) return runShardedGenerator(script, config, generatorCores(), pinned);
  const [cmd, argv] = pinned(generatorCores()[0] as number, [process.execPath, script, configArgument(config)]);
  const out = execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  return out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StepResult);
}

/** Where each server of a target runs: its cores, as `taskset -c` takes them. */
const SERVER_CORES: Record<TargetKind, string> = {
  ours: '0',
  'ours-redis': '0',
  'ours-embedded': '0',
  'ours-embedded-2cores': '0,1',
  'bare-ws': '0',
  socketio: '0',
  'socketio-memory': '0',
};

async function fanOut(target: TargetKind): Promise<StepResult[]> {
  const base = { target, clients: CLIENTS, rooms: ROOMS, rates: RATES, warmupSeconds: WARMUP, measureSeconds: MEASURE, url: '', serverPid: 0 };
  if (target.startsWith('ours')) {
    const ours = await startOurs(target === 'ours-redis' ? 2 : 1, target.startsWith('ours-embedded'), SERVER_CORES[target], FAN_OUT_USERS);
    try {
      return await runGenerator({ ...base, url: ours.url, urls: ours.urls, serverPid: ours.pid, serverPids: ours.pids, tokens: ours.tokens, socketsPerUser: SOCKETS_PER_USER, roomIds: ours.roomIds });
    } finally {
      await ours.drop();
    }
  }
  const script = target === 'bare-ws' ? 'bare-ws-server.js' : 'socketio-server.js';
  const { proc, port, pid } = await startProcess([join(ROOT, 'dist-bench', script), '0', ...(target === 'socketio-memory' ? ['--memory'] : [])]);
  try {
    return await runGenerator({ ...base, url: `http://127.0.0.1:${port}`, serverPid: pid });
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
    const [cmd, argv] = pinned(1, [process.execPath, join(ROOT, 'dist-bench/idle-sockets.js'), configArgument(config)]);
    return JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as IdleResult;
  };
  if (target === 'ours') {
    // The embedded database, the default configuration issue 19's memory goals are about.
    const ours = await startOurs(1, true);
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
  const home = mkdtempSync(join(tmpdir(), 'chat-bench-home-'));
  try {
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
    rmSync(home, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function peak(steps: StepResult[]): StepResult | undefined {
  return steps.filter((s) => !stepBroke(s)).at(-1);
}

function table(name: string, steps: StepResult[]): string {
  const rows = steps.map(
    (s) =>
      `| ${fmt(s.rate)} | ${fmt(s.expectedDeliveriesPerSecond)} | ${fmt(s.deliveredPerSecond)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.maxMs, 1)} | ${fmt(s.serverCpuMicrosPerDelivery, 2)} | ${fmt(s.serverCpuPercent)}% | ${fmt(s.generatorCpuPercent)}% |`,
  );
  return [`#### ${name}`, '', '| msgs/s offered | deliveries/s expected | delivered/s | p50 ms | p99 ms | max ms | server CPU µs/delivery | server CPU | generator CPU |', '|---|---|---|---|---|---|---|---|---|', ...rows, ''].join('\n');
}

async function main(): Promise<void> {
  // `BENCH_STORM_ONLY=1`: only the connect cost and the reconnect storm, printed as JSON (docs untouched).
  if (env.BENCH_STORM_ONLY === '1') {
    const result = await connectStorm(Number(env.BENCH_STORM_SOCKETS ?? 2_000));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  // `BENCH_MEMORY_ONLY=1`: only the embedded-memory section, printed as JSON (docs untouched).
  if (env.BENCH_MEMORY_ONLY === '1') {
    const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const m = await embeddedMemory();
    const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    const load = `${loadBefore}–${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`;
    process.stdout.write(`${JSON.stringify({ firstStart: mib(m.firstStart), firstStartAfterSetup: mib(m.firstStartAfterSetup), restart: mib(m.restart), pgliteAlone: mib(m.pgliteAlone), overPglite: mib(m.restart - m.pgliteAlone), load })}\n`);
    return;
  }
  const requested = (env.BENCH_TARGETS ?? 'ours-embedded,ours-embedded-2cores,ours,ours-redis,bare-ws,socketio-memory,socketio').split(',') as TargetKind[];
  // Two server cores and a generator need three: below that the two-core configuration is not measured.
  const targets = env.BENCH_TARGETS === '' ? [] : requested.filter((t) => t !== 'ours-embedded-2cores' || CORES >= 3);
  const names: Record<TargetKind, string> = {
    'ours-embedded': 'ours, embedded database (PGlite), one core',
    'ours-embedded-2cores': 'ours, embedded database (PGlite), two cores',
    ours: 'ours (auth + PostgreSQL + seq)',
    'ours-redis': 'ours, two instances on Redis',
    'bare-ws': 'bare ws broadcast',
    'socketio-memory': 'Socket.IO, in-memory adapter',
    socketio: 'Socket.IO + Redis adapter',
  };
  // BENCH_SKIP: sections to leave out (by the first word of their name, e.g. `search,flood`; `fan-out` for the
  // fan-out runs). BENCH_REUSE: the results.json of an earlier full run on this machine, from which every section
  // left out is taken instead (so one section can be run again, on a quieter machine or after a change, and the
  // report still has every section; the report names the sections taken over).
  const skipped = new Set((env.BENCH_SKIP ?? '').split(',').filter(Boolean));
  const reused: Record<string, unknown> = env.BENCH_REUSE ? (JSON.parse(readFileSync(env.BENCH_REUSE, 'utf8')) as Record<string, unknown>) : {};
  const reusedSections: string[] = [];
  /** The earlier run's result under `key` when `name`'s section is left out and BENCH_REUSE has it. */
  const earlier = (name: string, key: string): unknown => {
    if (!skipped.has(name.split(' ')[0] as string) || !(key in reused)) return undefined;
    reusedSections.push(name);
    return reused[key];
  };
  const results = (earlier('fan-out', 'results') as { target: TargetKind; run: number; steps: StepResult[] }[] | undefined) ?? [];
  for (let run = 1; run <= RUNS && !skipped.has('fan-out'); run++) {
    for (const target of targets) {
      process.stderr.write(`bench: fan-out, ${names[target]}, run ${run}\n`);
      results.push({ target, run, steps: await fanOut(target) });
    }
  }
  writeFileSync(join(ROOT, 'dist-bench/fan-out.json'), JSON.stringify(results, null, 2));
  if (env.BENCH_FANOUT_ONLY === '1') return;
  // Each remaining section stands alone: a failure is reported in the document, not lost with the rest.
  const attempt = async <T>(name: string, fn: () => Promise<T>, key?: string): Promise<T | string> => {
    const before = key === undefined ? undefined : earlier(name, key);
    if (before !== undefined) return before as T | string;
    if (skipped.has(name.split(' ')[0] as string)) return 'not run this time (BENCH_SKIP)';
    process.stderr.write(`bench: ${name}\n`);
    try {
      return await fn();
    } catch (error) {
      process.stderr.write(`bench: ${name} failed: ${(error as Error).message}\n`);
      return `failed: ${(error as Error).message.split('\n')[0]}`;
    }
  };
  const idleOurs = await attempt('idle sockets (ours)', () => idle('ours'), 'idleOurs');
  const idleBare = await attempt('idle sockets (bare ws)', () => idle('bare-ws'), 'idleBare');
  const cli = await attempt('CLI start', () => cliTimes(), 'cli');
  const cryptoSpeed = await attempt('crypto throughput', () => cryptoThroughput(), 'cryptoSpeed');
  const searchMessages = Number(env.BENCH_SEARCH_MESSAGES ?? (QUICK ? 100_000 : 1_000_000));
  // BENCH_SEARCH_REINDEX: messages the timed re-index writes (default 20,000; `all` for every one).
  const searchReindex = env.BENCH_SEARCH_REINDEX === 'all' ? 'all' : Number(env.BENCH_SEARCH_REINDEX ?? (QUICK ? 5_000 : 20_000));
  const searchLog = (l: string) => process.stderr.write(`${l}\n`);
  const search = await attempt(`search over ${fmt(searchMessages)} messages`, () => searchLatency(ADMIN_DB, searchMessages, { reindex: searchReindex, log: searchLog }), 'search');
  // The embedded database holds the whole history in this process's memory: a smaller history.
  const pgliteMessages = Number(env.BENCH_SEARCH_PGLITE_MESSAGES ?? (QUICK ? 20_000 : 100_000));
  const searchPglite = await attempt(`search over ${fmt(pgliteMessages)} messages (PGlite)`, () =>
    searchLatency(ADMIN_DB, pgliteMessages, { engine: 'pglite', reindex: Math.min(pgliteMessages, searchReindex === 'all' ? pgliteMessages : searchReindex / 4), log: searchLog }),
    'searchPglite',
  );
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
  const reusedFlood = earlier('subscribe flood', 'flood') as [string, SubscribeFloodResult | string][] | undefined;
  const flood: [string, SubscribeFloodResult | string][] = reusedFlood ?? [
    ['PostgreSQL', await attempt('subscribe flood (PostgreSQL)', floodOn(false))],
    ['embedded (PGlite)', await attempt('subscribe flood (embedded)', floodOn(true))],
  ];
  const e2eStore = await attempt('local end-to-end store', () => e2eStoreLatency((l) => process.stderr.write(`${l}\n`)), 'e2eStore');
  // In its own process, with React's production build as `chat` runs it.
  const composer = await attempt('composer latency', async () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist-bench/composer-latency.js'), '--json'], {
      env: { ...env, NODE_ENV: 'production', BENCH_COMPOSER_MESSAGES: QUICK ? '200' : '1000' },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) throw new Error(`composer latency exited ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ComposerLatency;
  }, 'composer');
  const composerPaste = await attempt('composer latency after a 5,000-line paste', async () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist-bench/composer-latency.js'), '--json'], {
      env: { ...env, NODE_ENV: 'production', BENCH_COMPOSER_MESSAGES: '0', BENCH_COMPOSER_LINES: '5000' },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) throw new Error(`composer latency (paste) exited ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ComposerLatency;
  }, 'composerPaste');

  const stormSockets = Number(env.BENCH_STORM_SOCKETS ?? (QUICK ? 1_000 : 10_000));
  const storm = await attempt(`connect cost and reconnect storm (${fmt(stormSockets)} sockets)`, () => connectStorm(stormSockets), 'storm');
  const memory = await attempt('embedded memory: first start, restart, PGlite alone', () => embeddedMemory(), 'memory');

  const webBundle = await attempt('web bundle size', async () => webBundleSize(join(ROOT, 'web/dist')), 'webBundle');
  const webTimeline = await attempt('web timeline, 10,000 messages', () => webTimelineRender(), 'webTimeline');

  const best = (t: TargetKind) => Math.max(0, ...results.filter((r) => r.target === t).map((r) => peak(r.steps)?.deliveredPerSecond ?? 0));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const measured = [...new Set(results.map((r) => r.target))];
  /** Whether the generator, not the server, ended a target's best run: its busiest core ≥ 90 % at the step that failed. */
  const generatorLimited = (t: TargetKind) =>
    results.filter((r) => r.target === t).some((r) => {
      const top = peak(r.steps);
      const failed = r.steps[top ? r.steps.indexOf(top) + 1 : 0];
      return failed !== undefined && failed.generatorCpuPercent >= 90;
    });
  /** Whether every run of a target kept up at the highest rate offered: its peak is then the bench's, not the server's. */
  const keptUp = (t: TargetKind) => results.filter((r) => r.target === t).every((r) => r.steps.length > 0 && !r.steps.some(stepBroke));
  const ratio = (a: TargetKind, b: TargetKind) => {
    if (!measured.includes(a) || !measured.includes(b) || best(b) === 0) return 'not measured';
    const r = `${fmt(best(a) / best(b), 2)}×`;
    if (generatorLimited(a) || generatorLimited(b)) return `${r} (not measured: the generator was the limit)`;
    return keptUp(a) || keptUp(b) ? `${r} (not measured: ${keptUp(a) ? names[a] : names[b]} kept up at every rate offered)` : r;
  };
  /** p99 at the step nearest 40k deliveries/s, from the target's first run. */
  const p99At40k = (t: TargetKind) => {
    const steps = results.find((r) => r.target === t)?.steps ?? [];
    const near = [...steps].sort((a, b) => Math.abs(a.expectedDeliveriesPerSecond - 40_000) - Math.abs(b.expectedDeliveriesPerSecond - 40_000))[0];
    return near ? { ms: near.p99Ms, at: near.expectedDeliveriesPerSecond } : undefined;
  };
  const goal = (name: string, holds: boolean | undefined, detail: string) => `| ${name} | ${holds === undefined ? 'not measured' : holds ? 'holds' : 'does not hold'} | ${detail} |`;
  const numeric = (t: TargetKind, b: TargetKind) => (measured.includes(t) && measured.includes(b) && best(b) > 0 && !generatorLimited(t) && !generatorLimited(b) && !keptUp(t) && !keptUp(b) ? best(t) / best(b) : undefined);
  const embeddedP99 = p99At40k('ours-embedded');
  const goals = [
    goal('embedded, one core: ≥ 0.8× bare ws', numeric('ours-embedded', 'bare-ws') === undefined ? undefined : (numeric('ours-embedded', 'bare-ws') as number) >= 0.8, ratio('ours-embedded', 'bare-ws')),
    goal('embedded, one core: ≥ 1.1× Socket.IO (in-memory)', numeric('ours-embedded', 'socketio-memory') === undefined ? undefined : (numeric('ours-embedded', 'socketio-memory') as number) >= 1.1, ratio('ours-embedded', 'socketio-memory')),
    goal('embedded, one core: p99 < 10 ms at 40k deliveries/s', embeddedP99 ? embeddedP99.ms < 10 : undefined, embeddedP99 ? `${fmt(embeddedP99.ms, 2)} ms at ${fmt(embeddedP99.at)}/s` : 'not measured'),
    goal('embedded, two cores: ≥ 1.0× bare ws', numeric('ours-embedded-2cores', 'bare-ws') === undefined ? undefined : (numeric('ours-embedded-2cores', 'bare-ws') as number) >= 1.0, CORES >= 3 ? ratio('ours-embedded-2cores', 'bare-ws') : `not measured: ${CORES} cores cannot hold two for the server and one for the generator`),
    goal('PostgreSQL: ≥ 1.0× bare ws', numeric('ours', 'bare-ws') === undefined ? undefined : (numeric('ours', 'bare-ws') as number) >= 1.0, ratio('ours', 'bare-ws')),
    goal(
      'a connect ≤ 0.5 ms of server CPU',
      typeof storm === 'string' ? undefined : storm.connect.serverCpuMsPerConnect <= 0.5,
      typeof storm === 'string' ? storm : `${fmt(storm.connect.serverCpuMsPerConnect, 3)} ms (bare ws in this run: ${fmt(storm.bare.serverCpuMsPerConnect, 3)} ms, ${fmt(storm.connect.serverCpuMsPerConnect / Math.max(storm.bare.serverCpuMsPerConnect, 1e-9), 1)}×)`,
    ),
    goal(`reconnect storm absorbed in < 5 s, no client giving up`, typeof storm === 'string' ? undefined : storm.storm.secondsToAllBack < 5 && storm.storm.gaveUp === 0, typeof storm === 'string' ? storm : `${fmt(storm.storm.sockets)} sockets back in ${fmt(storm.storm.secondsToAllBack, 1)} s, ${fmt(storm.storm.gaveUp)} gave up`),
    goal('≤ 8 KiB RSS per idle authenticated socket', typeof idleOurs === 'string' ? undefined : idleOurs.bytesPerSocket <= 8 * 1024, typeof idleOurs === 'string' ? idleOurs : `${fmt(idleOurs.bytesPerSocket / 1024, 1)} KiB at ${fmt(idleOurs.sockets)} sockets`),
    goal('the first start idles like a restart', typeof memory === 'string' ? undefined : memory.firstStart <= memory.restart * 1.1, typeof memory === 'string' ? memory : `${fmt(memory.firstStart / 2 ** 20)} MiB vs ${fmt(memory.restart / 2 ** 20)} MiB`),
    goal('the server adds ≤ 60 MiB over PGlite alone', typeof memory === 'string' ? undefined : memory.restart - memory.pgliteAlone <= 60 * 2 ** 20, typeof memory === 'string' ? memory : `${fmt((memory.restart - memory.pgliteAlone) / 2 ** 20)} MiB (PGlite alone on the same data dir: ${fmt(memory.pgliteAlone / 2 ** 20)} MiB)`),
  ];
  const doc = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpu}), Node ${process.version}.
${GOAL_MACHINE ? "The defaults were issue 19's goal configuration (16 cores or more)." : "Fewer than 16 cores, so smaller defaults: issue 19's goals are measured by `ulimit -n 200000 && npm run bench` on a machine of 16 cores or more (see bench/run.ts).\nA run on a 16-core machine, and the goals of both side by side, are in the notes below (\"Issue 19's goals on a 16-core machine\")."}
${haveTaskset ? `Each server pinned to core 0 (the two-core configuration to cores 0 and 1; both instances of the two-instance configuration share core 0), the load generator sharded over ${GENERATORS} process${GENERATORS === 1 ? '' : 'es'} on core${generatorCores().length === 1 ? '' : 's'} ${[...new Set(generatorCores())].join(', ')} with \`taskset\`; PostgreSQL and Redis float.` : '`taskset` was not available: nothing was pinned.'}
Load: ${fmt(CLIENTS)} WebSocket clients in ${ROOMS} rooms (${fmt(CLIENTS / ROOMS)} per room), ${SOCKETS_PER_USER} sockets per user, open-loop senders spread over every
client, ${WARMUP} s warm-up discarded and ${MEASURE} s measured per step, stepping up until delivered < 95 % of expected or p99 > 50 ms.
A delivery is one message reaching one client (the sender included). One probe client per room (per generator shard) measures latency.
Runs alternate between the servers (${RUNS} of each). "Generator CPU" is the busiest generator process's core.${reusedSections.length === 0 ? '' : `\nTaken from an earlier run on this machine (\`BENCH_REUSE\`), not run this time: ${reusedSections.join('; ')}.`}

## Goals in this run

| goal | in this run | measured |
|---|---|---|
${goals.join('\n')}

## Peak fan-out (deliveries/s at the last step that kept up)

| server | peak deliveries/s | vs bare ws | vs Socket.IO (in-memory) | vs Socket.IO + Redis | generator CPU when it stopped keeping up |
|---|---|---|---|---|---|
${measured
  .map((t) => {
    const stopped = results.filter((r) => r.target === t).map((r) => r.steps[(peak(r.steps) ? r.steps.indexOf(peak(r.steps) as StepResult) : -1) + 1]?.generatorCpuPercent);
    return `| ${names[t]} | ${fmt(best(t))} | ${ratio(t, 'bare-ws')} | ${ratio(t, 'socketio-memory')} | ${ratio(t, 'socketio')} | ${stopped.map((c) => (c === undefined ? 'kept up at every rate' : `${fmt(c)}%`)).join(', ')} |`;
  })
  .join('\n')}

## Every step

${results.map((r) => table(`${names[r.target]}, run ${r.run}`, r.steps)).join('\n')}
Our server's CPU is the node process only; PostgreSQL's work for each insert is on top of it.

## Connect cost and reconnect storm (embedded database, server on one core)

${
  typeof storm === 'string'
    ? storm
    : `${fmt(storm.connect.sockets)} sockets opened 250 at a time, each authenticating with a Bearer token and subscribing one room: ${fmt(storm.connect.serverCpuMsPerConnect, 3)} ms of server CPU per connect (${fmt(storm.connect.seconds, 1)} s in all).
The same sockets opened to the bare ws server on the same core (no token, no subscribe): ${fmt(storm.bare.serverCpuMsPerConnect, 3)} ms per connect, so a connect of ours costs ${fmt(storm.connect.serverCpuMsPerConnect / Math.max(storm.bare.serverCpuMsPerConnect, 1e-9), 1)}× bare ws's.
Then the server was stopped (SIGTERM) and started again on the same data: ${fmt(storm.storm.sockets)} sockets reconnected on the clients' schedule after a going-away close (shared/client/backoff.ts: 250 ms doubling, capped at 4 s, jittered) and were subscribed again ${fmt(storm.storm.secondsToAllBack, 1)} s after it listened (half of them after ${fmt(storm.storm.secondsToHalfBack, 1)} s, nine in ten after ${fmt(storm.storm.secondsToNineTenthsBack, 1)} s; the stop and start took ${fmt(storm.restartSeconds, 1)} s), in ${fmt(storm.storm.attempts)} attempts; ${fmt(storm.storm.gaveUp)} gave up (60 s). The restarted server used ${fmt(storm.stormServerCpuMsPerReconnect, 3)} ms of CPU per socket from listening until all were back, the clients' program ${fmt(storm.storm.clientCpuSeconds, 1)} s in all (when that nears the time to all back, the clients were the limit).${Object.keys(storm.storm.failedAfterRestart).length === 0 ? '' : ` Attempts that failed after it listened: ${Object.entries(storm.storm.failedAfterRestart).map(([why, n]) => `${fmt(n)} × ${why}`).join(', ')}.`}`
}

## Embedded memory

${
  typeof memory === 'string'
    ? memory
    : `| process | RSS, idle |
|---|---|
| chat-server, first start on an empty data dir, before any request | ${fmt(memory.firstStart / 2 ** 20)} MiB |
| chat-server, first start, after the bench's set-up (10 sign-ups, ${ROOMS} rooms) | ${fmt(memory.firstStartAfterSetup / 2 ** 20)} MiB |
| chat-server, restarted on that data dir | ${fmt(memory.restart / 2 ** 20)} MiB |
| PGlite alone, opened on the same data dir | ${fmt(memory.pgliteAlone / 2 ** 20)} MiB |

RSS of the whole process (the database's worker thread included), 3 s after it listens.`
}

## Idle sockets

| server | sockets | RSS at 100 | RSS at N | per idle socket |
|---|---|---|---|---|
${idleRow('ours (authenticated, embedded database)', idleOurs)}
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

${[search, searchPglite]
  .map((r) =>
    typeof r === 'string'
      ? r
      : `**${r.engine === 'pglite' ? 'PGlite (embedded, in memory)' : 'PostgreSQL'}**: ${fmt(r.messages)} messages of 6 to 25 tokens in 20 open rooms, all searched: 84% words of a
5,000-word made-up vocabulary, 8% compound tokens (host names, ids like \`PLT-1234\`, e-mail addresses; found by a part) and 8%
two-character Han words (one bigram each), each kind skewed so its first entries are common; loaded with their terms (the
tokenizer's, written by SQL; a sample checked against it) in ${fmt(r.loadSeconds)} s. Re-index (the server's at start, after a tokenizer
change): ${fmt(r.reindexed)} messages in ${fmt(r.reindexSeconds, 1)} s, at that rate **${fmt(r.reindexSecondsPerMillion / 60, 1)} min for 1M messages**; conversion of
messages stored before migration 015 (parts' lexemes marked, in SQL): ${fmt(r.converted)} in ${fmt(r.convertSeconds, 1)} s, **${fmt(r.convertSecondsPerMillion / 60, 1)} min for 1M**.
GIN index ${fmt(r.indexBytes / 2 ** 20, 1)} MiB, tsvector column ${fmt(r.termsBytes / 2 ** 20, 1)} MiB. Send path: ${fmt(r.sendRowsPerMessage, 1)} rows written and ${fmt(r.sendMsPerMessage, 2)} ms per stored message
(2,000 stored 20 per statement). Each shape: 50 queries of fresh random tokens, one at a time, through the Store (no cache), 20 results with snippets.

| query | p50 ms | p95 ms | max ms | results (mean) |
|---|---|---|---|---|
${r.shapes.map((q) => `| ${q.shape} | ${fmt(q.p50, 1)} | ${fmt(q.p95, 1)} | ${fmt(q.max, 1)} | ${fmt(q.hitsAvg, 1)} |`).join('\n')}
| all | ${fmt(r.all.p50, 1)} | ${fmt(r.all.p95, 1)} | | |`,
  )
  .join('\n\n')}

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

## Typing in the TUI while private messages decrypt

${composerLatencySection(composer)}

${composerLatencySection(composerPaste)}

## Web client bundle

${typeof webBundle === 'string' ? webBundle : webBundleSection(webBundle)}

## Web timeline

${webTimelineSection(webTimeline)}

`;
  const extra = readFileSync(join(ROOT, 'docs/benchmarks-notes.md'), 'utf8');
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), doc + '\n' + extra);
  writeFileSync(join(ROOT, 'dist-bench/results.json'), JSON.stringify({ results, idleOurs, idleBare, cli, cryptoSpeed, search, searchPglite, flood, e2eStore, composer, composerPaste, storm, memory, webBundle, webTimeline }, null, 2));
  process.stderr.write('bench: wrote docs/benchmarks.md\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
