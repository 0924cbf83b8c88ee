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
  /** Messages the other user sends in each phase, each after the previous one's ack. */
  readonly sends: number;
}

export interface AckLatency {
  readonly acks: number;
  /** Sends not acknowledged within CAP_MS (counted as CAP_MS in the percentiles). */
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

/** How long one ack is waited for. */
export const CAP_MS = 30_000;

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

/** Sends `n` messages one after another, each when the previous one is acknowledged; the ack times. */
async function acks(ws: WebSocket, roomId: string, n: number): Promise<AckLatency> {
  const times: number[] = [];
  let timedOut = 0;
  for (let i = 0; i < n; i++) {
    const clientMsgId = randomUUID();
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.off('message', onMessage);
        timedOut += 1;
        resolve();
      }, CAP_MS);
      const onMessage = (data: WebSocket.RawData) => {
        const frame = JSON.parse(String(data)) as { type: string; clientMsgId?: string };
        if (frame.type !== 'ack' || frame.clientMsgId !== clientMsgId) return;
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve();
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ type: 'send', roomId, clientMsgId, body: `ack probe ${i}` }));
    });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { acks: times.length - timedOut, timedOut, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: times.at(-1) ?? 0 };
}

/**
 * `attackerToken` floods; `victimToken` belongs to another user, a member of `roomId`, who sends
 * there. Our server must be listening at `url`.
 */
export async function subscribeFlood(url: string, attackerToken: string, victimToken: string, roomId: string, options: FloodOptions): Promise<SubscribeFloodResult> {
  const victim = await open(url, victimToken);
  try {
    const quiet = await acks(victim, roomId, options.sends);
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
    const flooded = await acks(victim, roomId, options.sends);
    // The attacker's socket closes (4029) or, on a server without flood control, stays open: cap the wait.
    const end = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 2_000))]);
    attacker.terminate();
    return { options, quiet, flooded, attacker: { errorFrames, closeCode: end?.code ?? null, closedAfterMs: end?.at ?? null } };
  } finally {
    victim.close();
  }
}
