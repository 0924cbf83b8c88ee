// The load generator, a process of its own: N WebSocket clients in M rooms, open-loop senders at a
// fixed total rate stepped upwards, one probe client per room measuring send→receive latency in an HDR
// histogram, every other client only counting deliveries. One JSON line per step on stdout.
import { randomUUID } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { cpuSeconds } from './proc-stats.js';
import { stepBroke, stepResult } from './step-result.js';
import { readConfig } from './config-file.js';

/**
 * The servers measured: ours on PostgreSQL, two of ours on Redis, ours on the embedded database with one
 * core and with two, a bare `ws` broadcast, and Socket.IO with its Redis and its in-memory adapter.
 */
export type TargetKind = 'ours' | 'ours-redis' | 'ours-embedded' | 'ours-embedded-2cores' | 'bare-ws' | 'socketio' | 'socketio-memory';

export interface GeneratorConfig {
  readonly target: TargetKind;
  readonly url: string;
  readonly serverPid: number;
  /** Several instances: client i connects to urls[i % n]; CPU is summed over every pid. */
  readonly urls?: readonly string[];
  readonly serverPids?: readonly number[];
  readonly clients: number;
  readonly rooms: number;
  /** Total messages per second, one step each. */
  readonly rates: readonly number[];
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  /** For `ours`: access tokens to spread over the clients (`socketsPerUser` each, in order), and the room ids. */
  readonly tokens?: readonly string[];
  readonly socketsPerUser?: number;
  readonly roomIds?: readonly string[];
  /**
   * One of several generator processes (see sharded-generator.ts): this one opens its share of each
   * room's clients and sends its share of each rate, and between steps waits on stdin for `next` or
   * `stop` from the parent, which merges the shards' counts and histograms.
   */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** One shard's raw step: what the parent sums (sent, delivered, CPU) and merges (the latency histogram). */
export interface ShardStep {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly delivered: number;
  readonly serverCpuSeconds: number;
  readonly generatorCpuSeconds: number;
  /** hdr-histogram-js's compressed base64 of the probe latencies, in µs. */
  readonly histogram: string;
}

export type { StepResult } from './step-result.js';

const MARKER = Buffer.from('~Q~');
const PAD = 'x'.repeat(64);

/** How many times the marker occurs: deliveries in this frame, counted without parsing. */
function countMarkers(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(MARKER); i !== -1; i = data.indexOf(MARKER, i + 3)) n++;
  return n;
}

interface Client {
  send(body: string): void;
  readonly ready: Promise<void>;
  close(): void;
}

function connect(config: GeneratorConfig, index: number, room: number, onData: (data: Buffer) => void): Client {
  const base = (config.urls ? (config.urls[index % config.urls.length] as string) : config.url).replace(/^http/, 'ws');
  switch (config.target) {
    case 'bare-ws': {
      const ws = new WebSocket(`${base}/?room=${room}`, { perMessageDeflate: false });
      ws.on('message', (d) => onData(d as Buffer));
      return { send: (body) => ws.send(body), ready: new Promise((r, j) => (ws.once('open', () => r()), ws.once('error', j))), close: () => ws.terminate() };
    }
    case 'socketio':
    case 'socketio-memory': {
      // The engine.io protocol by hand over `ws`, so the generator does not pay for socket.io-client's parsing.
      const ws = new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket&room=${room}`, { perMessageDeflate: false });
      let resolve!: () => void;
      const ready = new Promise<void>((r, j) => ((resolve = r), ws.once('error', j)));
      ws.on('message', (d) => {
        const data = d as Buffer;
        if (data[0] === 0x30) ws.send('40'); // engine.io open → connect to the default namespace
        else if (data[0] === 0x32 && data.length === 1) ws.send('3'); // ping → pong
        else if (data[0] === 0x34 && data[1] === 0x30) resolve(); // namespace connected
        else onData(data);
      });
      return { send: (body) => ws.send(`42["msg","${body}"]`), ready, close: () => ws.terminate() };
    }
    case 'ours':
    case 'ours-redis':
    case 'ours-embedded':
    case 'ours-embedded-2cores': {
      const tokens = config.tokens ?? [];
      // Client i of the bench is user ⌊i / socketsPerUser⌋'s, so no user passes the per-user frame budget.
      const token = tokens[Math.floor(index / (config.socketsPerUser ?? 1)) % Math.max(tokens.length, 1)];
      const roomId = config.roomIds?.[room];
      const ws = new WebSocket(`${base}/ws`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
      let resolve!: () => void;
      const ready = new Promise<void>((r, j) => ((resolve = r), ws.once('error', j)));
      let subscribed = false;
      ws.on('message', (d) => {
        const data = d as Buffer;
        if (!subscribed) {
          const text = data.toString();
          if (text.startsWith('{"type":"ready"')) ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 1_000_000_000 }] }));
          if (text.startsWith('{"type":"subscribed"')) {
            subscribed = true;
            resolve();
          }
          return;
        }
        onData(data);
      });
      return {
        send: (body) => ws.send(`{"type":"send","roomId":"${roomId}","clientMsgId":"${randomUUID()}","body":"${body}"}`),
        ready,
        close: () => ws.terminate(),
      };
    }
  }
}

/**
 * `BENCH_SLOW_TRACE_MS`: each probe delivery at least this late is logged on stderr with its wall-clock
 * time, to line stalls up with a trace of the server's threads. Off by default.
 */
const SLOW_TRACE_US = process.env.BENCH_SLOW_TRACE_MS ? Number(process.env.BENCH_SLOW_TRACE_MS) * 1000 : Infinity;

async function run(config: GeneratorConfig): Promise<void> {
  const perRoom = Math.floor(config.clients / config.rooms);
  const shard = config.shard ?? { index: 0, count: 1 };
  // A shard opens every count-th client of each room; the probe (client 0 of a room) is each shard's first.
  const mine = Array.from({ length: perRoom }, (_, i) => i).filter((i) => i % shard.count === shard.index);
  let delivered = 0;
  let histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const clients: Client[][] = [];
  const started: Promise<void>[] = [];
  for (let room = 0; room < config.rooms; room++) {
    clients[room] = [];
    for (const i of mine) {
      const probe = i === mine[0];
      const onData = probe
        ? (data: Buffer) => {
            const now = Number(process.hrtime.bigint() / 1000n);
            const text = data.toString();
            for (const m of text.matchAll(/~Q~(\d+)~/g)) {
              delivered++;
              const latency = Math.max(1, now - Number(m[1]));
              histogram.recordValue(latency);
              if (latency >= SLOW_TRACE_US) process.stderr.write(`load generator: slow delivery at ${Date.now()} (epoch ms), room ${room}, ${(latency / 1000).toFixed(1)} ms\n`);
            }
          }
        : (data: Buffer) => {
            delivered += countMarkers(data);
          };
      const c = connect(config, room * perRoom + i, room, onData);
      clients[room]?.push(c);
      started.push(c.ready);
      // Open sockets in small groups, so the accept queue never overflows.
      if (started.length % 200 === 0) await Promise.all(started.slice(-200));
    }
  }
  await Promise.all(started);
  // Senders round-robin over every client of a room, so no socket passes a per-socket limit.
  const cursor = new Array<number>(config.rooms).fill(0);
  let nextRoom = 0;
  let sent = 0;
  const sendOne = () => {
    const room = nextRoom;
    nextRoom = (nextRoom + 1) % config.rooms;
    const members = clients[room] as Client[];
    const c = members[(cursor[room] = ((cursor[room] ?? 0) + 1) % members.length)] as Client;
    c.send(`~Q~${process.hrtime.bigint() / 1000n}~${PAD}`);
    sent++;
  };

  const lines = shard.count > 1 ? stdinLines() : undefined;
  if (lines) process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  if (lines && (await lines.next()) !== 'next') return closeAll(clients);
  for (const total of config.rates) {
    const rate = total / shard.count;
    // Open loop: every few ms, send what the schedule says should have gone by now.
    const start = performance.now();
    let scheduled = 0;
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (scheduled < due) {
        sendOne();
        scheduled++;
      }
    }, 2);
    await new Promise((r) => setTimeout(r, config.warmupSeconds * 1000));
    delivered = 0;
    sent = 0;
    histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const pids = config.serverPids ?? [config.serverPid];
    const serverCpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cpu0 = serverCpu();
    const gen0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, config.measureSeconds * 1000));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = serverCpu() - cpu0;
    const gen = process.cpuUsage(gen0);
    clearInterval(timer);
    if (lines) {
      const step: ShardStep = {
        rate: total,
        seconds,
        sent,
        delivered,
        serverCpuSeconds: cpu,
        generatorCpuSeconds: (gen.user + gen.system) / 1e6,
        histogram: hdr.encodeIntoCompressedBase64(histogram),
      };
      process.stdout.write(JSON.stringify(step) + '\n');
      if ((await lines.next()) !== 'next') break;
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    const result = stepResult({
      rate,
      seconds,
      sent,
      delivered,
      perRoom,
      histogram,
      serverCpuSeconds: cpu,
      generatorCpuPercent: ((gen.user + gen.system) / 1e6 / seconds) * 100,
    });
    process.stdout.write(JSON.stringify(result) + '\n');
    const broken = stepBroke(result);
    if (broken) break;
    // Let queues drain before the next step.
    await new Promise((r) => setTimeout(r, 1000));
  }
  closeAll(clients);
}

function closeAll(clients: Client[][]): void {
  for (const room of clients) for (const c of room) c.close();
}

/** The lines the parent writes on stdin, one at a time (`next`, `stop`); `stop` when stdin ends. */
function stdinLines(): { next: () => Promise<string> } {
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  let ended = false;
  const push = (line: string) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    for (let i = buffered.indexOf('\n'); i !== -1; i = buffered.indexOf('\n')) {
      push(buffered.slice(0, i).trim());
      buffered = buffered.slice(i + 1);
    }
  });
  process.stdin.on('end', () => {
    ended = true;
    for (const w of waiting.splice(0)) w('stop');
  });
  return { next: () => (queue.length > 0 ? Promise.resolve(queue.shift() as string) : ended ? Promise.resolve('stop') : new Promise((r) => waiting.push(r))) };
}

run(readConfig<GeneratorConfig>(process.argv[2])).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`load generator: ${String(error)}\n`);
    process.exit(1);
  },
);
