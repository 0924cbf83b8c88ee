import type { z } from 'zod';
import { invalidRequest } from '../../shared/protocol/index.js';

/** Parses input against a protocol schema; a failure is an `invalid_request` naming the field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidRequest(result.error.issues);
  return result.data;
}
