import { useState, useSyncExternalStore } from 'react';
import type { AccountDevice, DevicePrompts, RestoreReport } from '../../../shared/client/index.js';
import { describeHistory, KEYLESS_LABEL, promptFor } from '../../../shared/client/index.js';
import { Button } from './ui/button.js';
import { Dialog, DialogContent } from './ui/dialog.js';
import { Input } from './ui/input.js';
import { Label } from './ui/label.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import { Untrusted } from './untrusted-text.js';

/** What the web's approval prompts drive: the shared model (shared/client/device-prompts.ts). */
export type DevicePromptsModel = Pick<DevicePrompts, 'subscribe' | 'getSnapshot' | 'approve' | 'request' | 'confirm' | 'dismiss' | 'close' | 'restore'>;

/**
 * A device as a prompt names it: its name (as it named itself), its id's start, when it was added (local
 * time) and, when the server recorded it, the address it signed in from.
 */
function DeviceLine({ d }: { readonly d: AccountDevice }) {
  const from = d.activity?.signedInFrom ?? d.activity?.addedFrom ?? null;
  return (
    <>
      <Untrusted text={d.device.name} /> (device <Untrusted text={d.device.deviceId.slice(0, 8)} />), {localTimeFormatter().dateTime(Date.parse(d.device.createdAt), Date.now())}
      {from ? (
        <>
          , from <Untrusted text={from} />
        </>
      ) : null}
    </>
  );
}

/**
 * The approval dialog (not modal): on a device that holds the identity key, a new sign-in of the account that is
 * not approved ("Approve" or "Not now"); on either side of an approval under way, the 3×4 digits to
 * compare with the other device ("They match" / "They differ"), then how it ended.
 */
export function DeviceApprovalDialog({ model }: { readonly model: DevicePromptsModel }) {
  const s = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const flow = s.flow;
  const prompt = promptFor(s);
  // The new device's own waiting shows in its banner; everything else here.
  const shown = prompt !== undefined || (flow !== null && !(flow.role === 'newcomer' && flow.step === 'waiting'));
  const target = flow?.deviceId ? s.prompts.find((p) => p.device.deviceId === flow.deviceId) : undefined;
  const onOpenChange = (open: boolean) => {
    if (open) return;
    if (prompt) model.dismiss(prompt.device.deviceId);
    else model.close();
  };
  let title = 'New sign-in to your account';
  let body = null;
  if (flow?.step === 'compare') {
    title = 'Compare the digits';
    body = (
      <>
        <p className="text-sm">Check that the {flow.role === 'approver' ? 'new device' : 'device approving this one'} shows the same digits:</p>
        <p className="number text-center text-2xl font-semibold tracking-widest" aria-label="Verification digits">
          {flow.code}
        </p>
        <div className="flex justify-end gap-2">
          <Button variant="danger" onClick={() => model.confirm(false)}>
            They differ
          </Button>
          <Button onClick={() => model.confirm(true)}>They match</Button>
        </div>
      </>
    );
  } else if (flow?.step === 'waiting') {
    title = 'Approving a new device';
    body = (
      <p className="text-sm text-dim" role="status">
        {target ? <DeviceLine d={target} /> : 'The new device'}: {flow.what}…
      </p>
    );
  } else if (flow?.step === 'done' || flow?.step === 'failed') {
    title = flow.step === 'done' ? (flow.role === 'approver' ? 'Device approved' : 'This device is verified') : flow.role === 'approver' ? 'Not approved' : 'Not verified';
    body = (
      <>
        <p className="text-sm" role={flow.step === 'failed' ? 'alert' : 'status'}>
          {flow.step === 'done' ? (
            flow.role === 'approver' ? (
              'Approved: your contacts now share their keys with it.'
            ) : (
              <>
                Members now share their keys with this browser.{' '}
                {describeHistory(flow.history)}
              </>
            )
          ) : (
            <Untrusted text={flow.message} />
          )}
        </p>
        <div className="flex justify-end">
          <Button onClick={() => model.close()}>Close</Button>
        </div>
      </>
    );
  } else if (prompt) {
    body = (
      <>
        <p className="text-sm">
          <DeviceLine d={prompt} />
        </p>
        {prompt.keys ? (
          <p className="text-sm text-dim">
            If it is yours, approve it: both devices then show 3×4 digits to compare. If it is not, sign it out in Settings and change your password; until approved it gets no keys.
          </p>
        ) : (
          <p className="text-sm text-dim">{KEYLESS_LABEL}, but it reads open rooms and your room list. If it is not yours, sign it out in Settings and change your password.</p>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => model.dismiss(prompt.device.deviceId)}>
            Not now
          </Button>
          {prompt.keys && <Button onClick={() => void model.approve(prompt.device.deviceId)}>Approve</Button>}
        </div>
      </>
    );
  }
  // Not modal: the chat stays usable (and readable to assistive technology) while a sign-in is
  // announced, and the prompt does not take the focus from what the user is typing.
  return (
    <Dialog open={shown} onOpenChange={onOpenChange} modal={false}>
      {shown && (
        <DialogContent title={title} onOpenAutoFocus={(e) => e.preventDefault()} onInteractOutside={(e) => e.preventDefault()}>
          {body}
        </DialogContent>
      )}
    </Dialog>
  );
}

/**
 * The banner of a browser that is not verified yet: members share no keys with it until another of
 * the user's devices approves it (its prompt, or `chat devices approve`) or the recovery key is
 * entered here, which also brings back the earlier private messages (`onRestored`).
 */
export function UnverifiedDeviceBanner({ model, onRestored }: { readonly model: DevicePromptsModel; readonly onRestored: (report: RestoreReport) => void }) {
  const s = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (s.status !== 'unapproved') return null;
  const flow = s.flow?.role === 'newcomer' ? s.flow : null;
  return (
    <section className="grid gap-2 border-b border-line bg-panel px-4 py-2 text-sm" aria-label="This device is not verified">
      <p className="m-0 font-semibold">This device is not verified yet: approve it from another of your devices, or enter your recovery key.</p>
      <p className="m-0 text-dim" role="status">
        {flow?.step === 'waiting'
          ? 'Waiting for another of your devices to approve this one (its prompt, or `chat devices approve` in a terminal)…'
          : 'Until then, members share no keys with this browser.'}{' '}
        {(!flow || flow.step === 'failed') && (
          <Button variant="secondary" size="sm" onClick={() => (model.close(), void model.request())}>
            Ask my other devices
          </Button>
        )}
      </p>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const input = e.currentTarget.elements.namedItem('device-recovery-key') as HTMLInputElement;
          setBusy(true);
          setError(null);
          model.restore(input.value).then(
            (report) => {
              input.value = '';
              setBusy(false);
              onRestored(report);
            },
            (err: unknown) => (setBusy(false), setError((err as Error).message)),
          );
        }}
      >
        <div className="grid min-w-0 flex-1 gap-1">
          <Label htmlFor="device-recovery-key">Recovery key</Label>
          <Input id="device-recovery-key" name="device-recovery-key" autoComplete="off" spellCheck={false} placeholder="XXXX XXXX XXXX …" />
        </div>
        <Button type="submit" disabled={busy}>
          Verify with the recovery key
        </Button>
      </form>
      {error && (
        <p role="alert" className="m-0 text-error">
          <Untrusted text={error} />
        </p>
      )}
    </section>
  );
}
