/** Why a crypto operation refused its input. Stable codes; callers branch on them. */
export type CryptoErrorCode =
  | 'invalid_key'
  | 'bad_signature'
  | 'decrypt_failed'
  | 'counter_repeated'
  /** A message from before this device was given the chain (it joined later): never readable here. */
  | 'before_share'
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
