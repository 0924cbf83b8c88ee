import type { DeviceKeys } from '../crypto/index.js';
import type { E2EState, E2EStore } from './e2e-session.js';
import { EMPTY_E2E_STATE } from './e2e-session.js';

/** An E2EStore in memory, for tests and short-lived tools; updates run one at a time. */
export class MemoryE2EStore implements E2EStore {
  private device: DeviceKeys | null = null;
  private state: E2EState = EMPTY_E2E_STATE;
  private tail: Promise<unknown> = Promise.resolve();

  async loadDevice(): Promise<DeviceKeys | null> {
    return this.device;
  }

  async saveDevice(keys: DeviceKeys): Promise<void> {
    this.device = keys;
  }

  async read(): Promise<E2EState> {
    return this.state;
  }

  update<T>(fn: (state: E2EState) => Promise<{ state: E2EState; result: T }>): Promise<T> {
    const run = this.tail.then(async () => {
      const { state, result } = await fn(this.state);
      this.state = state;
      return result;
    });
    this.tail = run.catch(() => {});
    return run;
  }
}
