/** The longest device name the protocol takes (`DeviceName`, shared/protocol/rest.ts), in UTF-16 units. */
const MAX_DEVICE_NAME = 64;

/**
 * A new device's name, made unique among the names of the user's other (unrevoked) devices `taken`:
 * `name` itself when no device has it, else `name (2)`, `name (3)`… — the lowest number free — so
 * that two devices that ask for the same name ("chat-cli on laptop" from two profiles) are told apart
 * wherever a device is named (device lists, approvals, new-device notices). Names compare exactly
 * (after trimming); `name` is shortened, by whole code points, so that it and its suffix fit 64
 * units. Two sign-ins at the same moment may both get the same suffix: names are labels, the device
 * id stays the identity.
 */
export function uniqueDeviceName(name: string, taken: Iterable<string>): string {
  const names = new Set([...taken].map((n) => n.trim()));
  const base = name.trim();
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const points = [...base];
    while (points.join('').length + suffix.length > MAX_DEVICE_NAME) points.pop();
    const candidate = `${points.join('').trimEnd()}${suffix}`;
    if (!names.has(candidate)) return candidate;
  }
}
