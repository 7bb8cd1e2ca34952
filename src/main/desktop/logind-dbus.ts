/**
 * The Linux desktop session through systemd-logind's D-Bus API (org.freedesktop.login1, see
 * https://www.freedesktop.org/software/systemd/man/latest/org.freedesktop.login1.html):
 *   - the session object comes from Manager.GetSession($XDG_SESSION_ID), else Manager.GetSessionByPID(pid);
 *   - "locked" is the session's LockedHint property (set by the screen locker: GNOME Shell, KDE's
 *     kscreenlocker, …), watched through PropertiesChanged, plus the session's Lock / Unlock signals, which
 *     logind emits when anyone calls Session.Lock / Session.Unlock (loginctl lock-session does);
 *   - lock() calls Session.Lock and unlock() Session.Unlock: logind then emits the signal, and GNOME Shell and
 *     KDE dismiss (or raise) their lock screen. logind lets a session's own user do this without polkit.
 * D-Bus client: @jellybrick/dbus-next (pure JS, typed, promise API, maintained fork of dbus-next; two small
 * dependencies). Every value read from the bus is checked before it is used.
 */
import { sessionBus, systemBus, Variant, type MessageBus, type ProxyInterface } from '@jellybrick/dbus-next';
import { DesktopSessionError, type DesktopSession } from './desktop-session.ts';

const LOGIN1 = 'org.freedesktop.login1';
const MANAGER_PATH = '/org/freedesktop/login1';
const MANAGER = 'org.freedesktop.login1.Manager';
const SESSION = 'org.freedesktop.login1.Session';
const PROPS = 'org.freedesktop.DBus.Properties';

/*
 * The parts of logind's interfaces used here, as documented (org.freedesktop.login1(5)). Given to the
 * client instead of asking the object to introspect itself, so the signals are subscribed even where a
 * service's introspection data omits them, and nothing else on the object is reachable from here.
 */
const PROPERTIES_XML = `<interface name="${PROPS}">
  <method name="Get"><arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="out" type="v"/></method>
  <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>
</interface>`;
const MANAGER_XML = `<node><interface name="${MANAGER}">
  <method name="GetSession"><arg direction="in" type="s"/><arg direction="out" type="o"/></method>
  <method name="GetSessionByPID"><arg direction="in" type="u"/><arg direction="out" type="o"/></method>
</interface></node>`;
const SESSION_XML = `<node><interface name="${SESSION}">
  <method name="Lock"/>
  <method name="Unlock"/>
  <signal name="Lock"/>
  <signal name="Unlock"/>
  <property name="LockedHint" type="b" access="read"/>
</interface>${PROPERTIES_XML}</node>`;

export interface LogindOptions {
  /** D-Bus address of the system bus (default: DBUS_SYSTEM_BUS_ADDRESS or the standard socket). */
  readonly busAddress?: string;
  /** The logind session id (default: XDG_SESSION_ID; without it, the session of this process). */
  readonly sessionId?: string;
  readonly pid?: number;
  /** How long open() waits for logind (default 5 s). */
  readonly timeoutMs?: number;
}

type Call = (...args: unknown[]) => Promise<unknown>;
/** The proxy's methods are created at run time from introspection: look one up and check it exists. */
const method = (iface: ProxyInterface, name: string): Call => {
  const m = (iface as unknown as Record<string, unknown>)[name];
  if (typeof m !== 'function') throw new DesktopSessionError(`logind does not offer ${name}`);
  return (...args) => (m as Call).apply(iface, args);
};

const variantBool = (v: unknown): boolean | null => {
  const inner = v instanceof Variant ? (v.value as unknown) : v;
  return typeof inner === 'boolean' ? inner : null;
};

const why = (e: unknown): string => (e instanceof Error ? e.message : 'unknown error');

export function logindSession(o: LogindOptions = {}): DesktopSession {
  let bus: MessageBus | null = null;
  let session: ProxyInterface | null = null;
  let locked = false;
  const listeners = new Set<(locked: boolean) => void>();

  const set = (next: boolean): void => {
    if (next === locked) return;
    locked = next;
    for (const l of listeners) l(locked);
  };

  async function call(name: 'Lock' | 'Unlock'): Promise<void> {
    if (!session) throw new DesktopSessionError('not connected to logind');
    try {
      await method(session, name)();
    } catch (e) {
      throw e instanceof DesktopSessionError
        ? e
        : new DesktopSessionError(`logind refused ${name}: ${why(e)}`);
    }
  }

  return {
    unavailableReason: null,
    async open() {
      if (session) return;
      // systemBus() reads DBUS_SYSTEM_BUS_ADDRESS itself; an explicit address goes through the generic client.
      const b = o.busAddress ? sessionBus({ busAddress: o.busAddress }) : systemBus();
      bus = b;
      // A broken connection must never crash the app: it is reported through the calls that fail.
      // (MessageBus emits 'error' although its typed event map omits it.)
      let failed: (e: Error) => void = () => {};
      const broken = new Promise<never>((_, reject) => (failed = reject));
      broken.catch(() => {});
      (b as unknown as NodeJS.EventEmitter).on('error', (e: unknown) => {
        session = null;
        failed(new DesktopSessionError(`cannot reach logind: ${why(e)}`));
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DesktopSessionError('logind did not answer within 5 s')),
          o.timeoutMs ?? 5_000,
        );
      });
      timeout.catch(() => {});
      // The client never rejects a call on a connection that failed: race every step against the failure.
      const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, broken, timeout]);
      try {
        const manager = (await step(b.getProxyObject(LOGIN1, MANAGER_PATH, MANAGER_XML))).getInterface(
          MANAGER,
        );
        const id = o.sessionId ?? process.env.XDG_SESSION_ID;
        const path = id
          ? await step(method(manager, 'GetSession')(id))
          : await step(method(manager, 'GetSessionByPID')(o.pid ?? process.pid));
        if (typeof path !== 'string' || !path.startsWith('/org/freedesktop/login1/session/')) {
          throw new DesktopSessionError('logind answered without a session object');
        }
        const obj = await step(b.getProxyObject(LOGIN1, path, SESSION_XML));
        const s = obj.getInterface(SESSION);
        const props = obj.getInterface(PROPS);
        const hint = variantBool(await step(method(props, 'Get')(SESSION, 'LockedHint')));
        if (hint === null) throw new DesktopSessionError('logind’s LockedHint is not a boolean');
        locked = hint;
        s.on('Lock', () => set(true));
        s.on('Unlock', () => set(false));
        props.on('PropertiesChanged', (iface: unknown, changed: unknown) => {
          if (iface !== SESSION || changed === null || typeof changed !== 'object') return;
          const v = variantBool((changed as Record<string, unknown>).LockedHint);
          if (v !== null) set(v);
        });
        session = s;
      } catch (e) {
        b.disconnect();
        bus = null;
        throw e instanceof DesktopSessionError
          ? e
          : new DesktopSessionError(`cannot reach logind: ${why(e)}`);
      } finally {
        clearTimeout(timer);
      }
    },
    isLocked: () => locked,
    lock: () => call('Lock'),
    unlock: () => call('Unlock'),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      session = null;
      bus?.disconnect();
      bus = null;
    },
  };
}
