// One step of a fan-out run, as the load generator reports it: built here for a single generator
// process and for the merged shards of a sharded one alike.
import type { Histogram } from 'hdr-histogram-js';

/** One rate step's outcome: rates per second, latencies in ms, CPU in µs per delivery and in % of a core. */
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

/** What one step measured, summed over the generator processes where there are several. */
export interface StepCounts {
  /** The total rate offered, messages per second. */
  readonly rate: number;
  /** How long the step was measured, in seconds. */
  readonly seconds: number;
  readonly sent: number;
  readonly delivered: number;
  /** Clients per room: each message sent is expected to reach this many. */
  readonly perRoom: number;
  /** The probes' send→receive latencies, in µs. */
  readonly histogram: Histogram;
  /** CPU the server process(es) used during the step, in seconds. */
  readonly serverCpuSeconds: number;
  /** The busiest generator process's CPU, in % of one core. */
  readonly generatorCpuPercent: number;
}

/** The StepResult of a step's counts. */
export function stepResult(c: StepCounts): StepResult {
  return {
    rate: c.rate,
    sentPerSecond: c.sent / c.seconds,
    expectedDeliveriesPerSecond: (c.sent * c.perRoom) / c.seconds,
    deliveredPerSecond: c.delivered / c.seconds,
    p50Ms: c.histogram.getValueAtPercentile(50) / 1000,
    p99Ms: c.histogram.getValueAtPercentile(99) / 1000,
    maxMs: c.histogram.maxValue / 1000,
    serverCpuMicrosPerDelivery: c.delivered > 0 ? (c.serverCpuSeconds * 1e6) / c.delivered : 0,
    serverCpuPercent: (c.serverCpuSeconds / c.seconds) * 100,
    generatorCpuPercent: c.generatorCpuPercent,
  };
}

/** Whether a step broke the run's rule: under 95 % of the expected deliveries, or p99 over 50 ms. */
export function stepBroke(step: StepResult): boolean {
  return step.deliveredPerSecond < 0.95 * step.expectedDeliveriesPerSecond || step.p99Ms > 50;
}
