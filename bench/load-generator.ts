// The load generator, a process of its own: N WebSocket clients in M rooms, open-loop senders at a
// fixed total rate stepped upwards, one probe client per room measuring send→receive latency in an HDR
// histogram, every other client only counting deliveries. One JSON line per step on stdout.
import { randomUUID } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { cpuSeconds } from './proc-stats.js';

export type TargetKind = 'ours' | 'ours-redis' | 'bare-ws' | 'socketio';

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
  /** For `ours`: access tokens to spread over the clients, and the room ids. */
  readonly tokens?: readonly string[];
  readonly roomIds?: readonly string[];
}

export interface StepResult {
  readonly rate: number;
  readonly sentPerSecond: number;
  readonly expectedDeliveriesPerSecond: number;
  readonly deliveredPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly serverCpuMicrosPerDelivery: number;
  readonly serverCpuPercent: number;
  readonly generatorCpuPercent: number;
}

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
    case 'socketio': {
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
    case 'ours-redis': {
      const token = config.tokens?.[index % (config.tokens?.length ?? 1)];
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

async function run(config: GeneratorConfig): Promise<void> {
  const perRoom = Math.floor(config.clients / config.rooms);
  let delivered = 0;
  let histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const clients: Client[][] = [];
  const started: Promise<void>[] = [];
  for (let room = 0; room < config.rooms; room++) {
    clients[room] = [];
    for (let i = 0; i < perRoom; i++) {
      const probe = i === 0;
      const onData = probe
        ? (data: Buffer) => {
            const now = Number(process.hrtime.bigint() / 1000n);
            const text = data.toString();
            for (const m of text.matchAll(/~Q~(\d+)~/g)) {
              delivered++;
              histogram.recordValue(Math.max(1, now - Number(m[1])));
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

  for (const rate of config.rates) {
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
    const result: StepResult = {
      rate,
      sentPerSecond: sent / seconds,
      expectedDeliveriesPerSecond: (sent * perRoom) / seconds,
      deliveredPerSecond: delivered / seconds,
      p50Ms: histogram.getValueAtPercentile(50) / 1000,
      p99Ms: histogram.getValueAtPercentile(99) / 1000,
      maxMs: histogram.maxValue / 1000,
      serverCpuMicrosPerDelivery: delivered > 0 ? (cpu * 1e6) / delivered : 0,
      serverCpuPercent: (cpu / seconds) * 100,
      generatorCpuPercent: ((gen.user + gen.system) / 1e6 / seconds) * 100,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    const broken = result.deliveredPerSecond < 0.95 * result.expectedDeliveriesPerSecond || result.p99Ms > 50;
    if (broken) break;
    // Let queues drain before the next step.
    await new Promise((r) => setTimeout(r, 1000));
  }
  for (const room of clients) for (const c of room) c.close();
}

run(JSON.parse(process.argv[2] ?? '{}') as GeneratorConfig).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`load generator: ${String(error)}\n`);
    process.exit(1);
  },
);
