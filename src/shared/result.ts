/**
 * The one reply shape that crosses a process boundary (IPC, worker messages): `{ ok, value }` or
 * `{ ok: false, error }`. Errors carry a stable machine-readable `code` (see error-codes.ts) and a message
 * that is safe to show: never a secret, a path inside the key store, a frame or an embedding.
 */
import type { ErrorCode } from './error-codes.ts';

export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = <T = never>(code: ErrorCode, message: string): Result<T> => ({
  ok: false,
  error: { code, message },
});

/** Keeps `switch` statements exhaustive: the compiler rejects a call that can be reached. */
export function missingCase(x: never): never {
  throw new Error(`unhandled case: ${String(x)}`);
}
