/**
 * Issue 10 item 5: key file hygiene regardless of umask. Before, `keygen` under `umask 000` created its key
 * directory 0777 and `pack` silently signed with a 0666 vendor key. Now: key directories the CLI or the build
 * creates are 0700 and private key files 0600 under any umask; `pack`, `license issue`, `catalog sign` (and
 * `verify --model-key`) refuse a private key any group or other bit is set on, exit 2, code
 * KEY_FILE_PERMISSIONS, with the exact `chmod 600 <path>` in the message. Every CLI run here is a child
 * process under `umask 000`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceModelsDir } from '../support/shared-data.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'facevault.ts');
const MODEL = join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx');
let dir: string;
const p = (...parts: string[]): string => join(dir, ...parts);
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('sh', ['-c', 'umask 000; exec "$@"', 'sh', process.execPath, CLI, ...args], {
    encoding: 'utf8',
    cwd: dir,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fv-key-perms-'));
  expect(cli('keygen', '--out', p('keys', 'vendor')).code).toBe(0);
  expect(cli('keygen', '--kind', 'device', '--out', p('keys', 'device')).code).toBe(0);
  const packed = cli(
    'pack',
    MODEL,
    '--key',
    p('keys', 'vendor', 'vendor.key.json'),
    '--out',
    p('y.fvb'),
    '--family',
    'yunet',
  );
  expect(packed.code, packed.err).toBe(0);
  writeFileSync(
    p('catalog.json'),
    JSON.stringify({
      type: 'facevault/model-catalog',
      version: 1,
      models: [{ role: 'detector', bundle: 'y.fvb' }],
    }),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('key files under umask 000', () => {
  it('keygen creates its directories 0700 and private keys 0600', () => {
    expect(mode(p('keys')), 'keys').toBe('0700');
    for (const kind of ['vendor', 'device']) {
      expect(mode(p('keys', kind)), kind).toBe('0700');
      expect(mode(p('keys', kind, `${kind}.key.json`)), kind).toBe('0600');
    }
  });

  it('pack writes the model key 0600', () => {
    expect(mode(p('y.fvb.modelkey.json'))).toBe('0600');
  });

  const KEYS = {
    vendor: () => p('keys', 'vendor', 'vendor.key.json'),
    model: () => p('y.fvb.modelkey.json'),
  };
  /** Each command that reads a private key, with the keys it must refuse when group or others can read them. */
  const COMMANDS: Array<{ name: string; keys: Array<keyof typeof KEYS>; args: () => string[] }> = [
    {
      name: 'pack',
      keys: ['vendor'],
      args: () => [
        'pack',
        MODEL,
        '--key',
        KEYS.vendor(),
        '--out',
        p('z.fvb'),
        '--family',
        'yunet',
        '--force',
      ],
    },
    {
      name: 'license issue',
      keys: ['vendor', 'model'],
      args: () => [
        ...['license', 'issue', '--key', KEYS.vendor(), '--device', p('keys', 'device', 'device.pub.json')],
        ...['--model', p('y.fvb'), '--model-key', KEYS.model(), '--out', p('y.lic'), '--force'],
      ],
    },
    { name: 'catalog sign', keys: ['vendor'], args: () => ['catalog', 'sign', dir, '--key', KEYS.vendor()] },
    {
      name: 'verify --model-key',
      keys: ['model'],
      args: () => [
        'verify',
        p('y.fvb'),
        '--pub',
        p('keys', 'vendor', 'vendor.pub.json'),
        '--model-key',
        KEYS.model(),
      ],
    },
  ];
  const commands = COMMANDS.flatMap(({ name, keys, args }) =>
    keys.map((k) => [`${name} (${k} key)`, KEYS[k], args] as const),
  );

  it.each(commands)(
    '%s refuses a private key readable by group or others, naming the exact chmod',
    (_name, key, args) => {
      for (const m of [0o666, 0o640, 0o604]) {
        chmodSync(key(), m);
        const r = cli(...args());
        expect(r.code, `mode ${m.toString(8)}`).toBe(2);
        expect(r.err).toContain('KEY_FILE_PERMISSIONS');
        expect(r.err).toContain(`chmod 600 ${key()}`);
      }
      chmodSync(key(), 0o600);
      const r = cli(...args());
      expect(r.code, r.err).toBe(0);
    },
  );

  it('quotes a path with spaces so the suggested command can be pasted', () => {
    const spaced = p('my keys');
    expect(cli('keygen', '--out', spaced).code).toBe(0);
    const key = join(spaced, 'vendor.key.json');
    chmodSync(key, 0o644);
    const r = cli('pack', MODEL, '--key', key, '--out', p('s.fvb'), '--family', 'yunet');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`chmod 600 '${key}'`);
  });
});
