/**
 * The lock-screen prompt's notices as freedesktop Desktop Notifications (org.freedesktop.Notifications on the
 * session bus; Desktop Notifications Specification 1.2, https://specifications.freedesktop.org/notification-spec/):
 * `Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout) → id` and
 * `CloseNotification(id)`. Thin glue only: the policy (what, when, how often) is lock-prompt.ts.
 *
 * What each notice carries: app_name "FaceVault", the app's icon name, the summary and body from
 * lock-prompt.ts (plain text: markup characters are escaped, as servers with the `body-markup` capability
 * would read them), no actions, and the hints
 *   - urgency 2 (critical): the spec's "critical" level, which servers do not expire on their own and GNOME
 *     Shell marks on its lock screen;
 *   - category "x-facevault.desktop-unlock" (the spec's vendor form: no standard category fits);
 *   - desktop-entry "facevault" (so the desktop applies FaceVault's own notification settings);
 *   - x-gnome-privacy-scope "system": GNOME Shell shows the text of such notices on its lock screen even when
 *     "show details on the lock screen" is off — the text is an instruction for whoever sits at the machine,
 *     never anything private (lock-prompt.ts);
 *   - suppress-sound true: a notice every second must not chime every second.
 * expire_timeout 30 s: a safety net should FaceVault stop before it closed its notice (each update posts a
 * new one).
 *
 * Every call gives up after `callTimeoutMs` and rejects with a DesktopPromptError; a broken connection is
 * dropped and opened again on the next call. D-Bus client: @jellybrick/dbus-next, as logind-dbus.ts.
 */
import { sessionBus, Variant, type MessageBus, type ProxyInterface } from '@jellybrick/dbus-next';
import { FaceVaultError } from '../errors/facevault-error.ts';
import type { Notifier, PromptNotice } from './lock-prompt.ts';

const NAME = 'org.freedesktop.Notifications';
const PATH = '/org/freedesktop/Notifications';
const IFACE = 'org.freedesktop.Notifications';

/** The part of the interface used, as the spec gives it (no introspection needed, nothing else reachable). */
const XML = `<node><interface name="${IFACE}">
  <method name="Notify">
    <arg direction="in" type="s"/><arg direction="in" type="u"/><arg direction="in" type="s"/>
    <arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="in" type="as"/>
    <arg direction="in" type="a{sv}"/><arg direction="in" type="i"/><arg direction="out" type="u"/>
  </method>
  <method name="CloseNotification"><arg direction="in" type="u"/></method>
</interface></node>`;

export const APP_NAME = 'FaceVault';
export const CATEGORY = 'x-facevault.desktop-unlock';
const URGENCY_CRITICAL = 2;
const EXPIRE_MS = 30_000;
/** Longest summary / body sent (the tables are far shorter; a cap keeps a bug from flooding the bus). */
const MAX_TEXT = 200;

/** The notification server could not be reached or refused a call. */
export class DesktopPromptError extends FaceVaultError {
  constructor(message: string) {
    super('DESKTOP_PROMPT_UNAVAILABLE', message);
  }
}

export interface NotificationsOptions {
  /** D-Bus address of the session bus (default: DBUS_SESSION_BUS_ADDRESS). */
  readonly busAddress?: string;
  /** How long one call may take (default 2 s). */
  readonly callTimeoutMs?: number;
}

/** Plain text as a markup-reading server shows it literally (spec: body markup is a subset of XML). */
const plain = (s: string): string =>
  s.slice(0, MAX_TEXT).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const why = (e: unknown): string => {
  const type = (e as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : e instanceof Error ? e.name : 'unknown error';
};

export function freedesktopNotifier(o: NotificationsOptions = {}): Notifier {
  let bus: MessageBus | null = null;
  let iface: ProxyInterface | null = null;
  let broken: Promise<never> | null = null;
  const timeoutMs = o.callTimeoutMs ?? 2_000;

  const drop = (): void => {
    const b = bus;
    bus = null;
    iface = null;
    broken = null;
    try {
      b?.disconnect();
    } catch {
      // already gone
    }
  };

  /** Races a step against the connection breaking and the time limit. */
  async function step<T>(what: string, p: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DesktopPromptError(`${what}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    late.catch(() => {});
    try {
      return await Promise.race([p, late, ...(broken ? [broken] : [])]);
    } catch (e) {
      if (!(e instanceof DesktopPromptError)) throw new DesktopPromptError(`${what} failed: ${why(e)}`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async function connect(): Promise<ProxyInterface> {
    if (iface) return iface;
    let b: MessageBus;
    try {
      b = o.busAddress ? sessionBus({ busAddress: o.busAddress }) : sessionBus();
    } catch (e) {
      throw new DesktopPromptError(`no session bus: ${why(e)}`);
    }
    bus = b;
    let failed: (e: Error) => void = () => {};
    broken = new Promise<never>((_, reject) => (failed = reject));
    broken.catch(() => {});
    // (MessageBus emits 'error' although its typed event map omits it.)
    (b as unknown as NodeJS.EventEmitter).on('error', (e: unknown) => {
      failed(new DesktopPromptError(`session bus connection failed: ${why(e)}`));
      if (bus === b) drop();
    });
    try {
      const obj = await step('connect', b.getProxyObject(NAME, PATH, XML));
      iface = obj.getInterface(IFACE);
      return iface;
    } catch (e) {
      if (bus === b) drop();
      throw e;
    }
  }

  const call = async (name: 'Notify' | 'CloseNotification', ...args: unknown[]): Promise<unknown> => {
    const i = await connect();
    const m = (i as unknown as Record<string, unknown>)[name];
    if (typeof m !== 'function') throw new DesktopPromptError(`the notification interface has no ${name}`);
    try {
      return await step(name, (m as (...a: unknown[]) => Promise<unknown>).apply(i, args));
    } catch (e) {
      // A server that went away (ServiceUnknown) may come back: reconnect on the next call.
      if (e instanceof DesktopPromptError && /timeout|no answer|connection/.test(e.message)) drop();
      throw e;
    }
  };

  return {
    async show(n: PromptNotice) {
      const hints: Record<string, Variant> = {
        urgency: new Variant('y', URGENCY_CRITICAL),
        category: new Variant('s', CATEGORY),
        'desktop-entry': new Variant('s', 'facevault'),
        'x-gnome-privacy-scope': new Variant('s', 'system'),
        'suppress-sound': new Variant('b', true),
      };
      const id = await call(
        'Notify',
        APP_NAME,
        0,
        'facevault',
        plain(n.summary),
        plain(n.body),
        [],
        hints,
        EXPIRE_MS,
      );
      if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0 || id > 0xffff_ffff)
        throw new DesktopPromptError('Notify answered without a notification id');
      return id;
    },
    async close(id: number) {
      if (!Number.isInteger(id) || id <= 0 || id > 0xffff_ffff)
        throw new DesktopPromptError('not a notification id');
      await call('CloseNotification', id);
    },
    dispose: drop,
  };
}
