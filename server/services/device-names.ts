/** The longest device name the protocol takes (`DeviceName`, shared/protocol/rest.ts), in UTF-16 units. */
const MAX_DEVICE_NAME = 64;
/** A number suffix a name may already carry ("laptop (2)"), as this function adds it. */
const NUMBER_SUFFIX = /\s\((\d+)\)$/u;
/** Characters that show nothing (zero-width space and joiners, soft hyphen, bidi marks, variation selectors…). */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * How a device name compares with the others: compatibility-normalized (NFKC), without invisible
 * characters, whitespace runs as one space, lower case. Two names with the same key look the same.
 */
export function deviceNameKey(name: string): string {
  return name.normalize('NFKC').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/**
 * A new device's name, made unique among the names of the user's other (unrevoked) devices `taken`:
 * `name` itself when no device has it, else `name (2)`, `name (3)`… — the lowest number free — so
 * that two devices that ask for the same name ("chat-cli on laptop" from two profiles) are told apart
 * wherever a device is named (device lists, approvals, new-device notices). A taken name that already
 * ends in a number ("laptop (2)") is numbered from its base ("laptop (3)", not "laptop (2) (2)"). Names
 * compare by {@link deviceNameKey} (case and invisible characters do not make two names differ); `name`
 * is shortened, by whole code points, so that it and its suffix fit 64 units. Two sign-ins at the same
 * moment may both get the same suffix: names are labels, the device id stays the identity.
 */
export function uniqueDeviceName(name: string, taken: Iterable<string>): string {
  const keys = new Set([...taken].map(deviceNameKey));
  const trimmed = name.trim();
  if (!keys.has(deviceNameKey(trimmed))) return trimmed;
  const base = trimmed.replace(NUMBER_SUFFIX, '').trimEnd() || trimmed;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const points = [...base];
    while (points.join('').length + suffix.length > MAX_DEVICE_NAME) points.pop();
    const candidate = `${points.join('').trimEnd()}${suffix}`;
    if (!keys.has(deviceNameKey(candidate))) return candidate;
  }
}
