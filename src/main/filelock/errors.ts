/**
 * Typed errors of file locking. One class, one stable code per refusal (src/shared/error-codes.ts), so
 * the app, the IPC results and the CLI switch on `code`. Messages name the path and the check, never key
 * bytes or file contents, and say what the user can do.
 */
import type { ErrorCode } from '../../shared/error-codes.ts';
import { FaceVaultError } from '../errors/facevault-error.ts';

export type FileLockCode = Extract<ErrorCode, `FILELOCK_${string}`>;

export class FileLockError extends FaceVaultError {
  declare readonly code: FileLockCode;
  constructor(code: FileLockCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Maps an OS error from a file operation on `path` to a typed refusal (ENOSPC, EACCES, ENOENT, …). */
export function fromOsError(e: unknown, what: string): FileLockError {
  if (e instanceof FileLockError) return e;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  switch (code) {
    case 'ENOENT':
      return new FileLockError('FILELOCK_NOT_FOUND', `${what}: no such file or folder`, { cause: e });
    case 'ENOSPC':
    case 'EDQUOT':
      return new FileLockError(
        'FILELOCK_NO_SPACE',
        `${what}: not enough free space on the disk; nothing was changed`,
        { cause: e },
      );
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new FileLockError('FILELOCK_NOT_WRITABLE', `${what}: permission denied (${code})`, { cause: e });
    default:
      return new FileLockError(
        'FILELOCK_IO',
        `${what}: ${code || (e instanceof Error ? e.message : 'I/O error')}`,
        { cause: e },
      );
  }
}
