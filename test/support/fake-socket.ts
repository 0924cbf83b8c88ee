/**
 * A stand-in for the gateway's socket in unit tests of Connection and RoomFeeds: it records each frame
 * a Connection writes, as text, whether it came through ws's `send` (per-socket frames) or as a whole
 * WebSocket frame through `writeWireFrame` (shared room events), and how it was closed.
 */
export class FakeSocket {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  bufferedAmount = 0;
  /** Each frame's text, in the order written. */
  sent: string[] = [];
  /** What each write was given, as given: a string for `send`, the frame's bytes for `writeWireFrame`. */
  raw: (string | Buffer)[] = [];
  /** Whether each frame was a binary one (opcode 2) rather than text. */
  binary: boolean[] = [];
  closed: { code: number; reason: string } | undefined;

  send(data: string | Buffer, options?: { binary?: boolean }): void {
    this.raw.push(data);
    this.sent.push(String(data));
    this.binary.push(options?.binary ?? typeof data !== 'string');
  }

  /** Reads the frame's header (RFC 6455 §5.2, unmasked, as a server writes) to record its payload. */
  writeWireFrame(frame: Buffer): void {
    const short = (frame[1] as number) & 0x7f;
    const [offset, length] = short < 126 ? [2, short] : short === 126 ? [4, frame.readUInt16BE(2)] : [10, Number(frame.readBigUInt64BE(2))];
    if (offset + length !== frame.length) throw new Error(`a frame of ${frame.length} bytes says its payload has ${length} after a ${offset}-byte header`);
    this.raw.push(frame);
    this.sent.push(frame.subarray(offset).toString('utf8'));
    this.binary.push(((frame[0] as number) & 0x0f) === 2);
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
}
