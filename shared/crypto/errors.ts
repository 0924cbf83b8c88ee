/** Why a crypto operation refused its input. Stable codes; callers branch on them. */
export type CryptoErrorCode =
  | 'invalid_key'
  | 'bad_signature'
  | 'decrypt_failed'
  | 'counter_repeated'
  | 'counter_jump'
  | 'unknown_chain'
  | 'invalid_envelope';

/** The crypto package's one error class. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
