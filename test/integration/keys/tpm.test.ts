/**
 * The TPM backend against a real TPM 2.0 simulator (swtpm) through the real tpm2-tools.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyBindingError } from '../../../src/main/keys/key-errors.ts';
import { openDeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import { createTpmStore, hasResourceManager, probeTpm, TPM_BLOB_FILE, type SpawnFn } from '../../../src/main/keys/tpm-store.ts';
import { startSwtpm, type SwtpmInstance } from '../../support/swtpm.ts';

let tpm: SwtpmInstance;
let root: string;
const instances: SwtpmInstance[] = [];

interface SpawnRecord {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv | undefined;
}
function recordingSpawn(log: SpawnRecord[]): SpawnFn {
  return (command, args, options) => {
    log.push({ command, args: [...args], env: options.env });
    return spawn(command, args, options);
  };
}

beforeAll(async () => {
  tpm = await startSwtpm();
  instances.push(tpm);
  root = await mkdtemp(join(tmpdir(), 'fv-tpm-'));
});
afterAll(async () => {
  for (const t of instances) await t.stop(); // tpm2_shutdown, then kill by PID
  if (root) await rm(root, { recursive: true, force: true });
});

describe('TPM 2.0 backend (swtpm + tpm2-tools)', () => {
  it('probes the simulator as usable and a missing device as unavailable', async () => {
    expect(await probeTpm({ tcti: tpm.tcti })).toEqual({ usable: true });
    const missing = await probeTpm({ tcti: 'device:/nonexistent/tpmrm0' });
    expect(missing.usable).toBe(false);
    if (!missing.usable) expect(missing.reason).toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE' });
  });

  it('seal/unseal round trip; blob file is 0600 and contains no plaintext', async () => {
    const dataDir = join(root, 'roundtrip');
    const store = createTpmStore({ dataDir, tcti: tpm.tcti });
    expect(await store.load()).toBeNull();
    const secret = await store.create();
    const again = await store.load();
    expect(again).toEqual(secret);
    const blobPath = join(dataDir, TPM_BLOB_FILE);
    expect((await stat(blobPath)).mode & 0o777).toBe(0o600);
    const blob = await readFile(blobPath);
    expect(blob.includes(Buffer.from(secret))).toBe(false);
    await expect(store.create()).rejects.toMatchObject({ code: 'KEY_STORE_IO' }); // never replaced
    await store.destroy();
    expect(await store.load()).toBeNull();
  });

  it('the secret never appears in argv or env of any tool (only stdin/stdout)', async () => {
    const log: SpawnRecord[] = [];
    const store = createTpmStore({ dataDir: join(root, 'argv'), tcti: tpm.tcti, spawnFn: recordingSpawn(log) });
    const secret = await store.create();
    (await store.load())?.fill(0);
    const forms = [
      Buffer.from(secret).toString('hex'),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('latin1'),
    ];
    const tools = log.map((r) => r.command);
    expect(tools).toContain('tpm2_create');
    expect(tools).toContain('tpm2_unseal');
    // No resource manager in front of swtpm: transient objects are flushed after createprimary, create and
    // unseal (not between load and unseal), and only transient objects (our commands load no sessions).
    const commands = tools.filter((t) => t !== 'tpm2_flushcontext');
    expect(commands).toEqual(['tpm2_createprimary', 'tpm2_create', 'tpm2_createprimary', 'tpm2_load', 'tpm2_unseal']);
    expect(tools.filter((t) => t === 'tpm2_flushcontext').length).toBe(4);
    expect(log.filter((r) => r.command === 'tpm2_flushcontext').every((r) => r.args.at(-1) === '-t')).toBe(true);
    const sessions = spawnSync('tpm2_getcap', ['-T', tpm.tcti, 'handles-loaded-session'], { encoding: 'utf8' });
    expect(sessions.status).toBe(0);
    expect(sessions.stdout.trim()).toBe(''); // nothing left behind for the flushes to miss
    const objects = spawnSync('tpm2_getcap', ['-T', tpm.tcti, 'handles-transient'], { encoding: 'utf8' });
    expect(objects.stdout.trim()).toBe('');
    for (const r of log) {
      const text = [r.command, ...r.args, ...Object.values(r.env ?? {}).map(String)].join('\0');
      for (const f of forms) expect(text.includes(f)).toBe(false);
    }
    expect(log.find((r) => r.command === 'tpm2_create')?.args).toContain('-');
    expect(log.find((r) => r.command === 'tpm2_unseal')?.args).not.toContain('-o');
  });

  it('openDeviceKeys on the TPM: auto picks it, reopen gives the same identity', async () => {
    const dataDir = join(root, 'device');
    const a = await openDeviceKeys({ dataDir, machineId: 'machine-a', tcti: tpm.tcti });
    expect(a.backend).toBe('tpm');
    await a.close();
    const b = await openDeviceKeys({ dataDir, machineId: 'machine-a', tcti: tpm.tcti });
    expect(b.backend).toBe('tpm');
    expect(b.identity.publicKey).toEqual(a.identity.publicKey);
    await b.close();
    await expect(openDeviceKeys({ dataDir, machineId: 'machine-b', tcti: tpm.tcti })).rejects.toMatchObject({
      code: 'KEY_BINDING_MISMATCH',
    });
  });

  it('a fresh TPM (new swtpm state) cannot unseal old blobs → KEY_BINDING_MISMATCH, no keychain fallback', async () => {
    const fresh = await startSwtpm();
    instances.push(fresh);
    const err = await createTpmStore({ dataDir: join(root, 'device'), tcti: fresh.tcti })
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyBindingError);
    // auto mode is sticky: an existing sealed blob means TPM, even if another backend would work
    const copy = join(root, 'device-copy');
    await cp(join(root, 'device'), copy, { recursive: true });
    await expect(openDeviceKeys({ dataDir: copy, machineId: 'machine-a', tcti: fresh.tcti })).rejects.toMatchObject({
      code: 'KEY_BINDING_MISMATCH',
    });
  });

  it('a tampered sealed blob is rejected with a typed error', async () => {
    const dataDir = join(root, 'tamper');
    const store = createTpmStore({ dataDir, tcti: tpm.tcti });
    (await store.create()).fill(0);
    const p = join(dataDir, TPM_BLOB_FILE);
    const good = await readFile(p);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 0x01; // inside the private blob
    await writeFile(p, flipped);
    await expect(store.load()).rejects.toMatchObject({ code: 'KEY_BINDING_MISMATCH' });
    await writeFile(p, good.subarray(0, good.length - 10)); // truncated
    await expect(store.load()).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
    await writeFile(p, Buffer.from('not a blob'));
    await expect(store.load()).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
    await writeFile(p, good);
    expect(await store.load()).toHaveLength(32);
  });

  it('missing tools or an unreachable TCTI → KEY_BACKEND_UNAVAILABLE', async () => {
    const noTools: SpawnFn = (_c, args, o) => spawn('facevault-no-such-tpm2-tool', args, o);
    await expect(
      createTpmStore({ dataDir: join(root, 'x'), tcti: tpm.tcti, spawnFn: noTools }).create(),
    ).rejects.toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE', message: expect.stringMatching(/tpm2-tools/) });
    await expect(
      createTpmStore({ dataDir: join(root, 'y'), tcti: `swtpm:path=${join(root, 'no.sock')}` }).create(),
    ).rejects.toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE', message: expect.stringMatching(/tss/) });
  });
});

describe('hasResourceManager', () => {
  it('is true only for the kernel resource manager and tpm2-abrmd', () => {
    for (const t of ['device:/dev/tpmrm0', 'device:/dev/tpmrm12', 'tabrmd', 'tabrmd:bus_type=session']) expect(hasResourceManager(t)).toBe(true);
    for (const t of ['device:/dev/tpm0', 'swtpm:path=/tmp/s', 'mssim:host=localhost', 'device:/dev/tpmrm0x', 'device:/dev/tpmrm']) {
      expect(hasResourceManager(t)).toBe(false);
    }
  });
});
