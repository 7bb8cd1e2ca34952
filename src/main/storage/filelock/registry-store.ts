/**
 * The app's list of locked items on disk (node:fs adapter): `<dataDir>/items.fvidx`, sealed under the
 * vault (src/main/filelock/index-format.ts), 0600 in a 0700 folder, replaced atomically on every change
 * (temp file, fsync, rename, fsync folder: durable.ts). Guarantees:
 *   - no names or paths in the clear: the file is opened and written only with keys from the vault key;
 *   - a damaged list, or another vault's, is a typed error (FILELOCK_INDEX_DAMAGED / FILELOCK_WRONG_VAULT)
 *     after it was set aside as `items.fvidx.damaged-<time>` (renamed, never deleted); the containers are
 *     self-contained and are never touched by anything here;
 *   - the plaintext `items.json` of earlier versions is read once, sealed into items.fvidx, and only then
 *     removed (durably); a damaged one is set aside like above.
 */
import { lstat, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FileLockError } from '../../filelock/errors.ts';
import {
  INDEX_MAX_BYTES,
  openIndex,
  registryItemSchema,
  sealIndex,
  type IndexKeys,
  type RegistryItem,
} from '../../filelock/index-format.ts';
import { ensurePrivateDir, removeDurable, writeFileDurable } from './durable.ts';

export { registryItemSchema, type RegistryItem } from '../../filelock/index-format.ts';

export const INDEX_FILE = 'items.fvidx';
/** The plaintext list of earlier versions (migrated on first open). */
export const LEGACY_INDEX_FILE = 'items.json';

const legacySchema = z.strictObject({ v: z.literal(1), items: z.array(registryItemSchema).max(100_000) });

export interface RegistryStore {
  /** The list ([] when there is none yet); throws the typed error once the damaged file was set aside. */
  load(keys: IndexKeys): Promise<RegistryItem[]>;
  save(items: readonly RegistryItem[], keys: IndexKeys): Promise<void>;
}

const isEnoent = (e: unknown) => typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT';

async function readBounded(file: string): Promise<Uint8Array | null> {
  try {
    const st = await lstat(file);
    if (!st.isFile())
      throw new FileLockError('FILELOCK_INDEX_DAMAGED', 'the list of locked items is not a file');
    if (st.size > INDEX_MAX_BYTES)
      throw new FileLockError('FILELOCK_INDEX_DAMAGED', 'the list of locked items is too large');
    return new Uint8Array(await readFile(file));
  } catch (e) {
    if (isEnoent(e)) return null;
    throw e;
  }
}

export function createRegistryStore(dataDir: string, log: (line: string) => void = () => {}): RegistryStore {
  const file = join(dataDir, INDEX_FILE);
  const legacy = join(dataDir, LEGACY_INDEX_FILE);
  const setAside = async (path: string, why: string) => {
    const aside = `${path}.damaged-${Date.now()}`;
    await rename(path, aside).catch(() => {});
    log(
      `filelock: the list of locked items could not be used (${why}) and was set aside; locked files are unaffected`,
    );
  };
  const save = async (items: readonly RegistryItem[], keys: IndexKeys) => {
    await ensurePrivateDir(dataDir);
    await writeFileDurable(file, sealIndex(items, keys));
  };
  return {
    async load(keys) {
      const bytes = await readBounded(file).catch(async (e: unknown) => {
        if (e instanceof FileLockError) await setAside(file, e.code);
        throw e;
      });
      if (bytes) {
        try {
          return openIndex(bytes, keys);
        } catch (e) {
          if (e instanceof FileLockError) await setAside(file, e.code);
          throw e;
        }
      }
      // No sealed list yet: migrate the plaintext one of earlier versions, if any.
      let text: string;
      try {
        text = await readFile(legacy, 'utf8');
      } catch (e) {
        if (isEnoent(e)) return [];
        throw e;
      }
      let items: RegistryItem[];
      try {
        items = legacySchema.parse(JSON.parse(text)).items;
      } catch {
        await setAside(legacy, 'FILELOCK_INDEX_DAMAGED');
        throw new FileLockError(
          'FILELOCK_INDEX_DAMAGED',
          'The list of locked items is damaged; your locked files are not affected and still open.',
        );
      }
      await save(items, keys);
      await removeDurable(legacy);
      log(`filelock: the list of locked items is now sealed under the vault (${items.length} items)`);
      return items;
    },
    save,
  };
}
