/**
 * The app's list of locked items (node:fs adapter): `<dataDir>/items.json`, 0600 in a 0700 folder,
 * replaced atomically on every change. It holds what the list shows without the vault key — display
 * name, kind, size, where the container is and where the original was — in the clear inside the user's
 * profile (docs/filelock-format.md §What leaks). A damaged list is set aside (items.json.damaged-<time>)
 * and rebuilt empty: the containers themselves are never affected by it.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir, writeFileDurable } from './durable.ts';

export const registryItemSchema = z.strictObject({
  id: z.string().regex(/^[a-z2-7]{26}$/),
  displayName: z.string().min(1).max(255),
  kind: z.enum(['file', 'folder']),
  sizeBytes: z.number().int().min(0),
  /** Where the container is (state 'locked') or was (state 'unlocked'). */
  containerPath: z.string().min(1).max(4096),
  /** Where the original is restored to / was locked from. */
  originalPath: z.string().min(1).max(4096),
  state: z.enum(['locked', 'unlocked']),
  changedAt: z.number().int().min(0),
});
export type RegistryItem = z.infer<typeof registryItemSchema>;

const fileSchema = z.strictObject({ v: z.literal(1), items: z.array(registryItemSchema).max(100_000) });

export interface RegistryStore {
  load(): Promise<RegistryItem[]>;
  save(items: readonly RegistryItem[]): Promise<void>;
}

export function createRegistryStore(dataDir: string, log: (line: string) => void = () => {}): RegistryStore {
  const file = join(dataDir, 'items.json');
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT') return [];
        throw e;
      }
      try {
        return fileSchema.parse(JSON.parse(text)).items;
      } catch {
        const aside = `${file}.damaged-${Date.now()}`;
        await rename(file, aside).catch(() => {});
        log(
          `filelock: the list of locked items was damaged and was set aside (${aside}); locked files are unaffected`,
        );
        return [];
      }
    },
    async save(items) {
      await ensurePrivateDir(dataDir);
      await writeFileDurable(file, JSON.stringify({ v: 1, items }));
    },
  };
}
