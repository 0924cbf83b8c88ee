import { useEffect, useState } from 'react';
import { KEYLESS_LABEL } from '../../../shared/client/index.js';
import type { DeviceActivity } from '../../../shared/protocol/index.js';
import { useChat } from '../chat-context.js';
import { Button } from '../components/ui/button.js';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '../components/ui/dialog.js';
import { Untrusted } from '../components/untrusted-text.js';
import { askNotificationPermission, notificationPermission, notifyDirectMessages, setNotifyDirectMessages } from '../notifications.js';
import { applyTheme, loadTheme } from '../theme.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import type { ThemeChoice } from '../theme.js';

const THEMES: readonly { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** A device as Settings lists it: every signed-in device of the account, with keys or not. */
interface SettingsDevice {
  readonly deviceId: string;
  readonly name: string;
  readonly createdAt: string;
  /** Where it signed in from, as the server saw it (null where unknown). */
  readonly from: string | null;
  /** Whether it published encryption keys (a password-only sign-in has none). */
  readonly keys: boolean;
}

/**
 * Every signed-in device of the account (`GET /keys/devices`), each marked with whether it is in the
 * key directory (`keyed`, the ids of `GET /keys/users/:user/devices`).
 */
function settingsDevices(keyed: readonly string[], signedIn: readonly DeviceActivity[]): SettingsDevice[] {
  const withKeys = new Set(keyed);
  return signedIn.map((a) => ({ deviceId: a.deviceId, name: a.name, createdAt: a.createdAt, from: a.signedInFrom ?? a.addedFrom, keys: withKeys.has(a.deviceId) }));
}

/**
 * `/settings`: the theme, browser notifications (asked for only by the button here), this account's
 * devices with a way to sign each out, and signing out here or everywhere.
 */
export function SettingsPage() {
  const { client, session, act, signOut } = useChat();
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme);
  const [permission, setPermission] = useState(notificationPermission);
  const [dms, setDms] = useState(notifyDirectMessages);
  const [devices, setDevices] = useState<SettingsDevice[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadDevices = () =>
    Promise.all([client.api.devicesOfUser(session.user.username), client.api.deviceActivity()]).then(
      ([keyed, signedIn]) => setDevices(settingsDevices(keyed.map((d) => d.deviceId), signedIn)),
      (e: unknown) => setError((e as Error).message),
    );
  useEffect(() => {
    void loadDevices();
    // Once per page: the list changes only by what is done here.
  }, []);

  return (
    <div className="min-h-0 flex-1 overflow-y-auto p-3 md:p-4">
      <div className="mx-auto grid max-w-2xl gap-6">
        <h1 className="text-xl font-semibold">Settings</h1>

        <section aria-labelledby="theme-heading" className="grid gap-2">
          <h2 id="theme-heading" className="font-semibold">
            Theme
          </h2>
          <div className="flex flex-wrap gap-3" role="radiogroup" aria-labelledby="theme-heading">
            {THEMES.map((t) => (
              <label key={t.value} className="flex items-center gap-2">
                <input
                  type="radio"
                  name="theme"
                  checked={theme === t.value}
                  onChange={() => {
                    setTheme(t.value);
                    applyTheme(t.value);
                  }}
                />
                {t.label}
              </label>
            ))}
          </div>
        </section>

        <section aria-labelledby="notify-heading" className="grid gap-2">
          <h2 id="notify-heading" className="font-semibold">
            Notifications
          </h2>
          <p className="text-sm text-dim">
            {permission === 'granted'
              ? 'On: while this tab is hidden, mentions of you (and direct messages, if ticked below) show a notification naming the room and sender, never the text.'
              : permission === 'denied'
                ? 'Blocked in this browser. Allow notifications for this site in the browser’s settings to turn them on.'
                : permission === 'unsupported'
                  ? 'This browser cannot show notifications.'
                  : 'Off. Turn them on to hear of direct messages and mentions while this tab is hidden.'}
          </p>
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={dms}
              onChange={(e) => {
                setNotifyDirectMessages(e.target.checked);
                setDms(e.target.checked);
              }}
            />
            Notify me of every direct message too
          </label>
          {permission === 'default' && (
            <div>
              <Button onClick={() => void askNotificationPermission().then(setPermission)}>Turn on notifications</Button>
            </div>
          )}
        </section>

        <section aria-labelledby="devices-heading" className="grid gap-2">
          <h2 id="devices-heading" className="font-semibold">
            Devices
          </h2>
          <p className="text-sm text-dim">Each browser and terminal you signed in with is a device; those without encryption keys are marked.</p>
          {error && (
            <p className="text-sm text-error" role="alert">
              <Untrusted text={error} />
            </p>
          )}
          {devices === null ? (
            <p className="text-dim" role="status">
              Loading…
            </p>
          ) : devices.length === 0 ? (
            <p className="text-dim">No devices signed in.</p>
          ) : (
            <ul className="divide-y divide-line" aria-label="Your devices">
              {devices.map((d) => (
                <li key={d.deviceId} className="flex min-w-0 flex-wrap items-center gap-2 py-2">
                  <span className="min-w-0 flex-1">
                    <Untrusted text={d.name} />
                    {d.deviceId === session.deviceId ? <span className="text-dim"> (this browser)</span> : null}
                    <span className="block text-xs text-dim">
                      since {localTimeFormatter().dayLabel(Date.parse(d.createdAt), Date.now())}
                      {d.from ? <> from <Untrusted text={d.from} /></> : null}
                    </span>
                    {!d.keys && <span className="block text-xs text-error">{KEYLESS_LABEL}; it reads open rooms and your room list. Sign it out if it is not yours.</span>}
                  </span>
                  {d.deviceId !== session.deviceId && (
                    <Button variant="danger" size="sm" onClick={() => act(async () => (await client.api.revokeDevice(d.deviceId), await loadDevices(), `Signed out ${d.name}.`))}>
                      Sign out
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="session-heading" className="grid gap-2">
          <h2 id="session-heading" className="font-semibold">
            Sign out
          </h2>
          <p className="text-sm text-dim">
            Signing out removes this browser as a device: it leaves your account&apos;s devices, and its keys and search index are deleted here. Signing in again makes a
            new device, to approve from another device or with your recovery key.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" onClick={() => act(() => signOut())}>
              Sign out
            </Button>
            <Dialog>
              <DialogTrigger asChild>
                <Button variant="danger">Sign out everywhere</Button>
              </DialogTrigger>
              <DialogContent
                title="Sign out everywhere?"
                description="Every device of your account is signed out, this browser included, and forgets its session. Signing in again makes a new device: approve it from another device or with your recovery key to read private rooms."
              >
                <div className="flex justify-end gap-2">
                  <DialogClose asChild>
                    <Button variant="secondary">Cancel</Button>
                  </DialogClose>
                  <Button
                    variant="danger"
                    onClick={() =>
                      act(async () => {
                        // Every device of the account, with keys or without, this one included: every
                        // session ends and every socket closes; then this browser forgets what it kept.
                        await signOut({ everywhere: true });
                      })
                    }
                  >
                    Sign out everywhere
                  </Button>
                </div>
              </DialogContent>
            </Dialog>
          </div>
        </section>
      </div>
    </div>
  );
}
