/**
 * LFW-layout data: `images/<Name>/<Name>_NNNN.jpg` and a View-2 `pairs.txt` whose header is
 * `<folds>\t<pairsPerClass>`; each fold has that many same-person lines (`name i j`) then as many
 * different-person lines (`name1 i name2 j`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LfwPair {
  readonly a: string; // image key "Name/Name_0001.jpg"
  readonly b: string;
  readonly same: boolean;
  readonly fold: number;
}

export interface LfwPairs {
  readonly folds: number;
  readonly perFold: number;
  readonly pairs: readonly LfwPair[];
}

export const imageKey = (name: string, index: number): string =>
  `${name}/${name}_${String(index).padStart(4, '0')}.jpg`;

export function parsePairs(path: string): LfwPairs {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').trim().split(/\s+/).map(Number);
  const folds = header[0] ?? NaN,
    perFold = header[1] ?? NaN;
  if (!Number.isInteger(folds) || !Number.isInteger(perFold) || folds < 2 || perFold < 1) {
    throw new Error(`pairs header must be "<folds> <pairs per class>", got "${lines[0] ?? ''}"`);
  }
  const body = lines.slice(1);
  if (body.length !== folds * 2 * perFold)
    throw new Error(`pairs file has ${body.length} lines, header implies ${folds * 2 * perFold}`);
  const pairs = body.map((line, i): LfwPair => {
    const t = line.trim().split(/\s+/);
    const fold = Math.floor(i / (2 * perFold));
    if (t.length === 3)
      return { a: imageKey(t[0]!, Number(t[1])), b: imageKey(t[0]!, Number(t[2])), same: true, fold };
    if (t.length === 4)
      return { a: imageKey(t[0]!, Number(t[1])), b: imageKey(t[2]!, Number(t[3])), same: false, fold };
    throw new Error(`pairs line ${i + 2} has ${t.length} fields`);
  });
  return { folds, perFold, pairs };
}

/** Every image as `{ key, identity }`, sorted by identity then file name. */
export function listImages(imagesDir: string): { key: string; identity: string }[] {
  const out: { key: string; identity: string }[] = [];
  for (const identity of readdirSync(imagesDir).sort()) {
    let files: string[];
    try {
      files = readdirSync(join(imagesDir, identity));
    } catch {
      continue; // a stray file at the top level, not an identity folder
    }
    for (const f of files.sort())
      if (/\.(jpe?g|png)$/i.test(f)) out.push({ key: `${identity}/${f}`, identity });
  }
  return out;
}
