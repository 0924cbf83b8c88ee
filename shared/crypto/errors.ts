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
  | 'invalid_envelope'
  /** Text that is not a recovery key (wrong length or alphabet, or its checksum does not match). */
  | 'invalid_recovery_key'
  /** A well-formed recovery key that is not the one the key backup was made with. */
  | 'wrong_recovery_key'
  /** A key backup entry that does not open under the backup key with its labels (tampered, or moved from another user, room or version). */
  | 'backup_entry_refused'
  /** A secret sent over a device verification that does not open: not from the verified other device, altered, or from another verification. */
  | 'secret_refused';

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
