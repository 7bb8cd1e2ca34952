/**
 * The renderer's one way to call main. Main refuses a second concurrent call on a control channel with
 * IPC_BUSY (back-pressure, src/main/ipc/router.ts), so the page must never race itself:
 *   - every control call goes through one queue, in order, one at a time;
 *   - a read without arguments (status, enrolment, vault status…) asked for again while the same read is
 *     queued or running shares that call's answer instead of adding another;
 *   - an IPC_BUSY that still happens (another window of the app, the hidden capture window) is retried a
 *     few times with a short back-off before it is reported.
 * Camera frames bypass the queue: the frame pump keeps at most one frame in flight on its own channel.
 */
import type { Result } from '../../../shared/result.ts';

export type Call<T> = () => Promise<Result<T>>;

export interface CallQueue {
  /** Runs `call` after every earlier call finished. `dedupeKey`: share an identical pending read. */
  run<T>(call: Call<T>, dedupeKey?: string): Promise<Result<T>>;
  readonly pending: number;
}

const BUSY_RETRIES = 4;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createCallQueue(opts: { readonly busyBackoffMs?: number } = {}): CallQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  const shared = new Map<string, Promise<Result<unknown>>>();
  const backoff = opts.busyBackoffMs ?? 120;

  const attempt = async <T>(call: Call<T>): Promise<Result<T>> => {
    for (let i = 0; ; i++) {
      let r: Result<T>;
      try {
        r = await call();
      } catch (e) {
        r = {
          ok: false,
          error: { code: 'IPC_INTERNAL', message: e instanceof Error ? e.message : 'call failed' },
        };
      }
      if (r.ok || r.error.code !== 'IPC_BUSY' || i >= BUSY_RETRIES) return r;
      await sleep(backoff * (i + 1));
    }
  };

  return {
    run<T>(call: Call<T>, dedupeKey?: string): Promise<Result<T>> {
      if (dedupeKey !== undefined) {
        const same = shared.get(dedupeKey);
        if (same) return same as Promise<Result<T>>; // same key ⇒ same call ⇒ same result type
      }
      pending += 1;
      const p = tail.then(() => attempt(call));
      tail = p.catch(() => {});
      const done = p.finally(() => {
        pending -= 1;
        if (dedupeKey !== undefined && shared.get(dedupeKey) === done) shared.delete(dedupeKey);
      });
      if (dedupeKey !== undefined) shared.set(dedupeKey, done);
      return done;
    },
    get pending() {
      return pending;
    },
  };
}
