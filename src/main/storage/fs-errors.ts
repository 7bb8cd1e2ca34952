/** errno helpers shared by the storage modules and their callers (node:fs errors carry a string `code`). */
export function errnoCode(e: unknown): string | null {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : null;
}

export function isErrno(e: unknown, code: string): boolean {
  return errnoCode(e) === code;
}
