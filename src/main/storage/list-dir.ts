/**
 * Directory listing for the callers that walk a tree they check (the sealed app resources): readdir(3)
 * entries with their type, links not followed (a symlink is reported as one, never entered). Errors are
 * node:fs errors with their errno `code`; the caller maps them to its own terms.
 */
import { readdir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';

export function listDirectory(path: string): Promise<Dirent[]> {
  return readdir(path, { withFileTypes: true });
}
