// Loaded before every test file (vitest.config.ts setupFiles): whatever a file started and did not
// stop, because an assertion or a timeout cut it short, is killed when the file ends.
import { afterAll } from 'vitest';
import { killAll } from './processes.js';

afterAll(() => {
  killAll();
});
