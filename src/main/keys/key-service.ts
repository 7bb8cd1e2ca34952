/**
 * The one owner of the device keys' life cycle in the main process. The model service (licence and model
 * keys) and auth (template and attempt-counter keys) both receive this service; neither hands keys to the
 * other. Guarantees: the key store is opened at most once at a time (concurrent callers share one attempt);
 * a failed attempt is reported to every caller that awaited it, as the typed key-store error
 * (keys/key-errors.ts), and the next `open()` tries again (a keyring unlocked meanwhile then works);
 * `close()` wipes the KEK (DeviceKeys.close) and later `open()` calls reopen. No module state: one instance
 * per app (index.ts), per e2e host, per test.
 */
import type { AppStatus } from '../../shared/ipc-contract.ts';
import type { DeviceKeys } from './open-device-keys.ts';

export type KeyStoreState = AppStatus['keyStore'];

export interface KeyService {
  /** The open keys, opening the key store on first use. Rejects with the key store's typed error. */
  open(): Promise<DeviceKeys>;
  /** The open keys, or null (never opens). */
  current(): DeviceKeys | null;
  /** 'not-opened' before the first attempt, the backend once open, 'unavailable' after a failed attempt. */
  state(): KeyStoreState;
  /** Wipes the key-encryption key; a later open() reopens the store. */
  close(): Promise<void>;
}

export function createKeyService(o: { readonly open: () => Promise<DeviceKeys> }): KeyService {
  let keys: DeviceKeys | null = null;
  let pending: Promise<DeviceKeys> | null = null;
  let state: KeyStoreState = 'not-opened';

  return {
    open() {
      if (keys) return Promise.resolve(keys);
      pending ??= o
        .open()
        .then(
          (k) => {
            keys = k;
            state = k.backend;
            return k;
          },
          (e: unknown) => {
            state = 'unavailable';
            throw e;
          },
        )
        .finally(() => {
          pending = null;
        });
      return pending;
    },
    current: () => keys,
    state: () => state,
    async close() {
      const k = keys ?? (pending ? await pending.catch(() => null) : null);
      keys = null;
      state = 'not-opened';
      await k?.close();
    },
  };
}
