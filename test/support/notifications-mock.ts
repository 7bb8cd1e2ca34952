/**
 * A notification server on a private, real D-Bus daemon: python3-dbusmock's `notification_daemon` template as
 * org.freedesktop.Notifications (private-bus.ts). What FaceVault sent is read back from dbusmock's own call log
 * (org.freedesktop.DBus.Mock.GetCalls), typed, through a D-Bus client of the test's own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionBus, Variant, type MessageBus } from '@jellybrick/dbus-next';
import { startDbusmock, startPrivateBus, type DbusmockInstance, type PrivateBus } from './private-bus.ts';

const NAME = 'org.freedesktop.Notifications';
const PATH = '/org/freedesktop/Notifications';
const MOCK_XML = `<node><interface name="org.freedesktop.DBus.Mock">
  <method name="GetCalls"><arg direction="out" type="a(tsav)"/></method>
  <method name="ClearCalls"/>
</interface></node>`;

export interface NotifyCall {
  readonly method: 'Notify';
  readonly appName: string;
  readonly replacesId: number;
  readonly appIcon: string;
  readonly summary: string;
  readonly body: string;
  readonly actions: string[];
  readonly hints: Record<string, unknown>;
  readonly expireTimeout: number;
}
export interface CloseCall {
  readonly method: 'CloseNotification';
  readonly id: number;
}
export type NotificationCall = NotifyCall | CloseCall;

export interface NotificationsMock {
  readonly busAddress: string;
  /** Every Notify / CloseNotification the server received, in order. */
  calls(): Promise<NotificationCall[]>;
  stop(): Promise<void>;
}

const unwrap = (v: unknown): unknown => (v instanceof Variant ? unwrap(v.value) : v);

function parse(method: string, raw: unknown[]): NotificationCall | null {
  const a = raw.map(unwrap);
  if (method === 'Notify') {
    const hints = Object.fromEntries(
      Object.entries((a[6] ?? {}) as Record<string, unknown>).map(([k, v]) => [k, unwrap(v)]),
    );
    return {
      method,
      appName: String(a[0]),
      replacesId: Number(a[1]),
      appIcon: String(a[2]),
      summary: String(a[3]),
      body: String(a[4]),
      actions: (a[5] as string[]) ?? [],
      hints,
      expireTimeout: Number(a[7]),
    };
  }
  if (method === 'CloseNotification') return { method, id: Number(a[0]) };
  return null;
}

export async function startNotificationsMock(): Promise<NotificationsMock> {
  const root = await mkdtemp(join(tmpdir(), 'fv-notify-'));
  let bus: PrivateBus | null = null;
  let mock: DbusmockInstance | null = null;
  let client: MessageBus | null = null;
  const stop = async (): Promise<void> => {
    client?.disconnect();
    client = null;
    await mock?.stop();
    await bus?.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    bus = await startPrivateBus(root);
    mock = await startDbusmock(bus.address, 'notification_daemon', NAME);
    const address = bus.address;
    return {
      busAddress: address,
      async calls() {
        client ??= sessionBus({ busAddress: address });
        const obj = await client.getProxyObject(NAME, PATH, MOCK_XML);
        const getCalls = (
          obj.getInterface('org.freedesktop.DBus.Mock') as unknown as {
            GetCalls(): Promise<Array<[bigint, string, unknown[]]>>;
          }
        ).GetCalls;
        const out = await getCalls.call(obj.getInterface('org.freedesktop.DBus.Mock'));
        return out.flatMap(([, method, args]) => {
          const c = parse(method, args);
          return c ? [c] : [];
        });
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
