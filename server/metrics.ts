import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from './store/store.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The server's Prometheus metrics (prom-client), in a registry of its own so that several servers
 * can run in one process. Served at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'chat_ws_connections', help: 'Open WebSocket connections', registers: [this.registry] });
  readonly framesIn = new Counter({ name: 'chat_ws_frames_received_total', help: 'WebSocket frames received from clients', registers: [this.registry] });
  readonly framesOut = new Counter({ name: 'chat_ws_frames_sent_total', help: 'WebSocket frames sent to clients (a batch counts once)', registers: [this.registry] });
  readonly messages = new Counter({ name: 'chat_messages_total', help: 'Messages committed (repeats of a clientMsgId not counted)', registers: [this.registry] });
  readonly deliveries = new Counter({ name: 'chat_fanout_deliveries_total', help: 'Room events queued to subscribed sockets', registers: [this.registry] });
  readonly deliveryLatency = new Histogram({
    name: 'chat_delivery_latency_seconds',
    help: 'From an event’s commit to its fan-out to this instance’s sockets',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({ name: 'chat_rate_limited_total', help: 'Requests and frames refused by a rate limit', labelNames: ['kind'], registers: [this.registry] });
  readonly storeLatency = new Histogram({
    name: 'chat_store_operation_seconds',
    help: 'Store (database) operations by name',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** `processMetrics`: also Node's own (CPU, memory, event-loop lag, GC) — once per process. */
  constructor(processMetrics = false) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** The store, with every operation timed into `chat_store_operation_seconds`. */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const done = metrics.storeLatency.startTimer({ operation: property });
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) return result.finally(() => done());
        done();
        return result;
      };
    },
  });
}
