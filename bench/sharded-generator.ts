// Runs the load generator as several processes, each pinned to a core of its own where there are
// enough, so that the generator stops being the limit before the server is (on a 2-core machine it
// saturates near bare ws's peak). The shards open their share of each room's clients, wait until all
// are connected, then step through the rates together: after each step the parent merges their counts
// and latency histograms into one StepResult and tells them to go on or stop.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as hdr from 'hdr-histogram-js';
import type { GeneratorConfig, ShardStep } from './load-generator.js';
import type { StepResult } from './step-result.js';
import { configArgument } from './config-file.js';
import { stepBroke, stepResult } from './step-result.js';

/** How a shard is started: the command line that runs `args` pinned to `core`. */
export type PinnedCommand = (core: number, args: string[]) => [string, string[]];

interface Shard {
  readonly send: (line: string) => void;
  readonly next: () => Promise<Record<string, unknown>>;
  readonly done: Promise<void>;
}

function startShard(command: [string, string[]]): Shard {
  const [cmd, argv] = command;
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue: Record<string, unknown>[] = [];
  const waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  let failed: Error | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w.resolve(value);
    else queue.push(value);
  });
  const done = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      if (code !== 0) failed = new Error(`a load generator shard exited ${code}`);
      for (const w of waiting.splice(0)) w.reject(failed ?? new Error('a load generator shard ended early'));
      resolve();
    });
  });
  return {
    send: (line) => child.stdin.write(`${line}\n`),
    next: () => {
      const value = queue.shift();
      if (value) return Promise.resolve(value);
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    done,
  };
}

/**
 * Runs `config` over `cores.length` generator processes (shard i pinned to `cores[i]`) and returns one
 * merged StepResult per step, as a single generator would: deliveries and sends summed, latency
 * percentiles from the merged histograms, server CPU from the first shard's measurement, and as
 * generator CPU the busiest shard's (the one that would limit). Stops after the first step that
 * delivered < 95 % of what was expected or had p99 > 50 ms. Rejects when a shard fails.
 */
export async function runShardedGenerator(script: string, config: GeneratorConfig, cores: readonly number[], pinned: PinnedCommand): Promise<StepResult[]> {
  const count = cores.length;
  const perRoom = Math.floor(config.clients / config.rooms);
  const shards = cores.map((core, index) => startShard(pinned(core, [process.execPath, script, configArgument({ ...config, shard: { index, count } })])));
  const results: StepResult[] = [];
  try {
    for (const s of shards) await s.next(); // { ready: true }: every client of that shard is connected
    for (const s of shards) s.send('next');
    for (let step = 0; step < config.rates.length; step++) {
      const raws = (await Promise.all(shards.map((s) => s.next()))) as unknown as ShardStep[];
      const seconds = Math.max(...raws.map((r) => r.seconds));
      const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
      for (const r of raws) merged.add(hdr.decodeFromCompressedBase64(r.histogram));
      const result = stepResult({
        rate: (raws[0] as ShardStep).rate,
        seconds,
        sent: raws.reduce((n, r) => n + r.sent, 0),
        delivered: raws.reduce((n, r) => n + r.delivered, 0),
        perRoom,
        histogram: merged,
        serverCpuSeconds: (raws[0] as ShardStep).serverCpuSeconds,
        generatorCpuPercent: Math.max(...raws.map((r) => (r.generatorCpuSeconds / r.seconds) * 100)),
      });
      results.push(result);
      const broken = stepBroke(result);
      const last = broken || step === config.rates.length - 1;
      for (const s of shards) s.send(last ? 'stop' : 'next');
      if (last) break;
    }
  } finally {
    for (const s of shards) s.send('stop');
    await Promise.all(shards.map((s) => s.done));
  }
  return results;
}
