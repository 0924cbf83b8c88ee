// One socket floods subscribe frames of random room ids while another user sends messages one after
// another: how long that user waits for each ack, with no flood and during it, and what the flood got
// back. Bounded: a fixed number of frames and sends, loopback only, every wait capped.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface FloodOptions {
  /** Subscribe frames the attacker sends, as fast as it can. */
  readonly frames: number;
  /** Room ids per frame (random: the attacker is in none of them). */
  readonly roomsPerFrame: number;
  /** The other user sends one message every `probeIntervalMs` for `probeSeconds`, in each phase. */
  readonly probeSeconds: number;
  readonly probeIntervalMs: number;
}

export interface AckLatency {
  readonly sent: number;
  /** Sends not acknowledged within CAP_MS of the last one (counted as CAP_MS in the percentiles). */
  readonly timedOut: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface SubscribeFloodResult {
  readonly options: FloodOptions;
  readonly quiet: AckLatency;
  readonly flooded: AckLatency;
  /** How the server answered the attacker. */
  readonly attacker: { readonly errorFrames: number; readonly closeCode: number | null; readonly closedAfterMs: number | null };
}

/** How long acks are waited for after the last send of a phase. */
export const CAP_MS = 60_000;

function open(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket did not open')), 10_000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a message every `intervalMs` for `seconds` (open loop: not waiting for acks), then waits for the acks. */
async function probe(ws: WebSocket, roomId: string, seconds: number, intervalMs: number): Promise<AckLatency> {
  const pending = new Map<string, number>();
  const times: number[] = [];
  const onMessage = (data: WebSocket.RawData) => {
    const frame = JSON.parse(String(data)) as { type: string; clientMsgId?: string };
    const t0 = frame.type === 'ack' && frame.clientMsgId !== undefined ? pending.get(frame.clientMsgId) : undefined;
    if (t0 === undefined) return;
    pending.delete(frame.clientMsgId as string);
    times.push(performance.now() - t0);
  };
  ws.on('message', onMessage);
  const sent = Math.round((seconds * 1000) / intervalMs);
  const start = performance.now();
  for (let i = 0; i < sent; i++) {
    // Paced against the start, so a late timer (a busy process) does not thin out the sends.
    await sleep(Math.max(0, start + i * intervalMs - performance.now()));
    const clientMsgId = randomUUID();
    pending.set(clientMsgId, performance.now());
    ws.send(JSON.stringify({ type: 'send', roomId, clientMsgId, body: `ack probe ${i}` }));
  }
  const deadline = performance.now() + CAP_MS;
  while (pending.size > 0 && performance.now() < deadline) await sleep(10);
  ws.off('message', onMessage);
  const timedOut = pending.size;
  for (let i = 0; i < timedOut; i++) times.push(CAP_MS);
  times.sort((a, b) => a - b);
  return { sent, timedOut, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: times.at(-1) ?? 0 };
}

/**
 * `attackerToken` floods; `victimToken` belongs to another user, a member of `roomId`, who sends
 * there. Our server must be listening at `url`.
 */
export async function subscribeFlood(url: string, attackerToken: string, victimToken: string, roomId: string, options: FloodOptions): Promise<SubscribeFloodResult> {
  const victim = await open(url, victimToken);
  try {
    const quiet = await probe(victim, roomId, options.probeSeconds, options.probeIntervalMs);
    const attacker = await open(url, attackerToken);
    let errorFrames = 0;
    attacker.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'error') errorFrames += 1;
    });
    const started = performance.now();
    const closed = new Promise<{ code: number; at: number }>((resolve) => attacker.once('close', (code) => resolve({ code, at: performance.now() - started })));
    for (let i = 0; i < options.frames && attacker.readyState === WebSocket.OPEN; i++) {
      const rooms = Array.from({ length: options.roomsPerFrame }, () => ({ roomId: randomUUID(), sinceSeq: 0 }));
      attacker.send(JSON.stringify({ type: 'subscribe', rooms }));
    }
    const flooded = await probe(victim, roomId, options.probeSeconds, options.probeIntervalMs);
    // The attacker's socket closes (4029) or, on a server without flood control, stays open: cap the wait.
    const end = await Promise.race([closed, sleep(2_000).then(() => null)]);
    attacker.terminate();
    return { options, quiet, flooded, attacker: { errorFrames, closeCode: end?.code ?? null, closedAfterMs: end?.at ?? null } };
  } finally {
    victim.close();
  }
}
