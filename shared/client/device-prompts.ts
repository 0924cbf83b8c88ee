import { ChatError } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { ApprovalBackup, ApprovalHistory, ApprovalIo } from './device-approval.js';
import { approveDevice, requestApproval } from './device-approval.js';
import type { AccountDevice, E2ESession, IdentityStatus } from './e2e-session.js';
import type { KeyBackup, RestoreReport } from './key-backup.js';
import type { LiveClient } from './live-client.js';

/** Which side of an approval this device is on: approving a new device, or the new device itself. */
export type ApprovalRole = 'approver' | 'newcomer';

/**
 * Where the approval this device takes part in stands: `waiting` for the other device (`what`, in
 * words), `compare` (both devices show `code`; the user says whether they match), `done`, or `failed`
 * (`message` says why: the codes differed, the other side cancelled, the device being approved was
 * revoked, nobody came in time).
 * `deviceId`: the device being approved, on the approver's side. `history`: on the new device once
 * done, what became of the earlier private history (the key backup restored with the key the
 * approver sent, or not).
 */
export type ApprovalFlow =
  | { readonly step: 'waiting'; readonly role: ApprovalRole; readonly deviceId?: string; readonly what: string }
  | { readonly step: 'compare'; readonly role: ApprovalRole; readonly deviceId?: string; readonly code: string }
  | { readonly step: 'done'; readonly role: ApprovalRole; readonly deviceId?: string; readonly history?: ApprovalHistory }
  | { readonly step: 'failed'; readonly role: ApprovalRole; readonly deviceId?: string; readonly message: string };

/** What the approval prompts show, as one immutable value (a new object on every change). */
export interface DevicePromptsSnapshot {
  /** This device's standing with the account's identity; null until first looked up. */
  readonly status: IdentityStatus | null;
  /** Other devices of the account that are not approved and not dismissed here: each gets a prompt. */
  readonly prompts: readonly AccountDevice[];
  /** Whether this device can approve others (it holds the identity key). */
  readonly canApprove: boolean;
  /** The approval under way (or just ended), or null. */
  readonly flow: ApprovalFlow | null;
}

/**
 * The device the prompt announces now, or undefined: with no approval under way, the first device
 * not approved when this device can approve, else the first sign-in that published no keys (those
 * are announced on every approved device: nothing can approve them, but the user can revoke them).
 */
export function promptFor(s: DevicePromptsSnapshot): AccountDevice | undefined {
  if (s.flow) return undefined;
  return s.canApprove ? s.prompts[0] : s.prompts.find((p) => !p.keys);
}

/** What the prompts work over; `sleep` and `autoRequest` are for tests. */
export interface DevicePromptsOptions {
  readonly e2e: E2ESession;
  readonly api: ApiClient;
  /** Its `devices` frame says the account's devices or a verification changed. */
  readonly live: Pick<LiveClient, 'on'>;
  /**
   * The key backup, for approving this device with the recovery key (without it `restore` throws),
   * and, with `shareable` and `restoreFromKey`, for moving the backup key from the approving device
   * to the approved one (device-approval.ts), so the new device reads the earlier history.
   */
  readonly backup?: Pick<KeyBackup, 'restore'> & Partial<ApprovalBackup>;
  /** Waits `ms` milliseconds (default: setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Whether a device that is not approved asks for approval as soon as it starts (default true). */
  readonly autoRequest?: boolean;
}

/**
 * The approval prompts of one device, free of any UI framework, for the TUI and the web alike: it
 * follows the account's devices (the live `devices` frame), offers each new device that is not
 * approved for approval when this device holds the identity key, and, on a device that is not
 * approved, asks the account's other devices to approve it or takes the recovery key. The protocol
 * is shared/client/device-approval.ts; this keeps only the state a prompt shows and the user's answer
 * to the code comparison. Subscribe with `subscribe`, read `getSnapshot`.
 */
export class DevicePrompts {
  private readonly listeners = new Set<() => void>();
  private readonly restoredListeners = new Set<(report: RestoreReport) => void>();
  private readonly wakers = new Set<() => void>();
  private readonly dismissed = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private snapshot: DevicePromptsSnapshot = { status: null, prompts: [], canApprove: false, flow: null };
  private answer: ((match: boolean) => void) | null = null;
  /** Bumped when a flow is abandoned (the device was approved another way): its waits end. */
  private generation = 0;
  private refreshing: Promise<void> = Promise.resolve();
  private running = false;
  private busy = false;

  constructor(private readonly options: DevicePromptsOptions) {}

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Calls `listener` when this device's approval restored the key backup with the key its approver
   * sent (the earlier private messages open now: a timeline shown should open them again); returns
   * the unsubscribe function.
   */
  onHistoryRestored = (listener: (report: RestoreReport) => void): (() => void) => {
    this.restoredListeners.add(listener);
    return () => {
      this.restoredListeners.delete(listener);
    };
  };

  /** The current state; the same object until something changes. */
  getSnapshot = (): DevicePromptsSnapshot => this.snapshot;

  /** Looks at the account's devices now and at every `devices` frame; a device not approved asks for approval (unless `autoRequest` is false). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.offs.push(
      this.options.live.on('devices', () => {
        for (const wake of [...this.wakers]) wake();
        void this.refresh().catch(() => undefined);
      }),
    );
    await this.refresh();
    if (this.snapshot.status === 'unapproved' && this.options.autoRequest !== false) void this.request();
  }

  /** Stops following the account's devices; an approval under way is abandoned. */
  stop(): void {
    this.running = false;
    for (const off of this.offs.splice(0)) off();
    this.abandon();
  }

  /** Looks again at this device's standing and the account's devices (queued: one look at a time). */
  refresh(): Promise<void> {
    const run = this.refreshing.then(async () => {
      const { e2e } = this.options;
      const status = await e2e.identityStatus();
      const devices = status === 'unapproved' ? [] : await e2e.accountDevices();
      const prompts = devices.filter((d) => !d.current && !d.approved && !this.dismissed.has(d.device.deviceId));
      const flow = this.snapshot.flow;
      // The device being approved was revoked: that approval is over, and the other prompts show again.
      if (status !== 'unapproved' && flow?.role === 'approver' && flow.deviceId !== undefined && (flow.step === 'waiting' || flow.step === 'compare') && !devices.some((d) => d.device.deviceId === flow.deviceId)) {
        this.abandon();
        this.set({ ...this.snapshot, status, prompts, canApprove: status === 'holder', flow: { step: 'failed', role: 'approver', deviceId: flow.deviceId, message: 'the new device was revoked' } });
        return;
      }
      this.set({ ...this.snapshot, status, prompts, canApprove: status === 'holder' });
    });
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  /**
   * Approves `deviceId` from this device (which must hold the identity key): waits for it to ask,
   * then shows the code to compare. The flow's end shows in the snapshot; never throws.
   */
  approve(deviceId: string): Promise<void> {
    return this.run('approver', deviceId, (io) => approveDevice(this.options.e2e, this.options.api, io, deviceId, this.approvalBackup()).then(() => undefined));
  }

  /** From this device, not approved yet: asks another device of the account to approve it. The flow's end shows in the snapshot; never throws. */
  request(): Promise<void> {
    return this.run('newcomer', undefined, (io) => requestApproval(this.options.e2e, this.options.api, io, this.approvalBackup()));
  }

  /** The key backup as an approval moves it, when this client gave one that can. */
  private approvalBackup(): ApprovalBackup | undefined {
    const { backup } = this.options;
    if (!backup?.shareable || !backup.restoreFromKey) return undefined;
    return { shareable: backup.shareable.bind(backup), restoreFromKey: backup.restoreFromKey.bind(backup) };
  }

  /** The user's answer to the code comparison: true when both devices show the same code. */
  confirm(match: boolean): void {
    const answer = this.answer;
    this.answer = null;
    answer?.(match);
  }

  /** Hides the prompt for `deviceId` on this device until it restarts (it stays unapproved, and gets no keys). */
  dismiss(deviceId: string): void {
    this.dismissed.add(deviceId);
    this.set({ ...this.snapshot, prompts: this.snapshot.prompts.filter((d) => d.device.deviceId !== deviceId) });
  }

  /** Clears an approval that ended (done or failed); one waiting for the user's answer is answered "they differ". */
  close(): void {
    if (this.snapshot.flow?.step === 'compare') this.confirm(false);
    else if (this.snapshot.flow?.step === 'done' || this.snapshot.flow?.step === 'failed') this.set({ ...this.snapshot, flow: null });
  }

  /**
   * Restores the key backup with the recovery key as typed, which also approves this device (the
   * backup's identity key signs it); an approval request under way is abandoned once approved. Throws
   * what KeyBackup.restore throws (ChatError `invalid_request` for a mistyped key, `forbidden` for a
   * wrong one, `not_found` without a backup), or ChatError `internal` when there is no key backup here.
   */
  async restore(recoveryKey: string): Promise<RestoreReport> {
    const { backup } = this.options;
    if (!backup) throw new ChatError('internal', 'this client cannot restore the key backup');
    const report = await backup.restore(recoveryKey);
    await this.refresh();
    if (this.snapshot.status !== 'unapproved' && this.snapshot.flow?.role === 'newcomer' && this.snapshot.flow.step !== 'done') {
      this.abandon();
      this.set({ ...this.snapshot, flow: { step: 'done', role: 'newcomer' } });
    }
    return report;
  }

  private async run(role: ApprovalRole, deviceId: string | undefined, flow: (io: ApprovalIo) => Promise<ApprovalHistory | undefined>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const generation = ++this.generation;
    const ids = deviceId === undefined ? {} : { deviceId };
    const current = () => generation === this.generation;
    const io: ApprovalIo = {
      confirmCode: (code) =>
        new Promise<boolean>((resolve) => {
          if (!current()) return resolve(false);
          this.answer = resolve;
          this.set({ ...this.snapshot, flow: { step: 'compare', role, ...ids, code } });
        }),
      wait: (ms) => this.wait(ms, current),
      progress: (what) => {
        if (current()) this.set({ ...this.snapshot, flow: { step: 'waiting', role, ...ids, what } });
      },
    };
    this.set({ ...this.snapshot, flow: { step: 'waiting', role, ...ids, what: role === 'approver' ? 'waiting for the new device' : 'asking your other devices' } });
    try {
      const history = await flow(io);
      if (history?.backup === 'restored') for (const listener of [...this.restoredListeners]) listener(history.report);
      if (current()) this.set({ ...this.snapshot, flow: { step: 'done', role, ...ids, ...(history ? { history } : {}) } });
    } catch (error) {
      if (current()) this.set({ ...this.snapshot, flow: { step: 'failed', role, ...ids, message: error instanceof Error ? error.message : String(error) } });
    } finally {
      this.busy = false;
      this.answer = null;
    }
    await this.refresh().catch(() => undefined);
  }

  /** Resolves after `ms`, or sooner at a `devices` frame; rejects once the flow was abandoned. */
  private wait(ms: number, current: () => boolean): Promise<void> {
    if (!current()) return Promise.reject(new ChatError('conflict', 'the approval was abandoned'));
    const sleep = this.options.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t)));
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.wakers.delete(done);
        if (current()) resolve();
        else reject(new ChatError('conflict', 'the approval was abandoned'));
      };
      this.wakers.add(done);
      void sleep(ms).then(done);
    });
  }

  /** Ends the flow under way: its waits reject, its question is answered "they differ". */
  private abandon(): void {
    this.generation += 1;
    this.confirm(false);
    for (const wake of [...this.wakers]) wake();
  }

  private set(next: DevicePromptsSnapshot): void {
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }
}
