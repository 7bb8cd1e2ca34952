/**
 * The TPM backend against a real TPM 2.0 simulator (swtpm), with each driver: the real tpm2-tools, and the
 * in-process ESAPI binding to the real tpm2-tss libraries; and blobs moving between the two drivers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEY_MESSAGES, KeyBindingError } from '../../../src/main/keys/key-errors.ts';
import { openDeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import {
  createTpmStore,
  hasResourceManager,
  probeTpm,
  TPM_BLOB_FILE,
  type TpmDriver,
} from '../../../src/main/keys/tpm/tpm-store.ts';
import { parseSrkReadPublic } from '../../../src/main/keys/tpm/srk.ts';
import type { SpawnFn } from '../../../src/main/keys/tpm/tools-driver.ts';
import { PRIMARY_TEMPLATE, SEAL_TEMPLATE } from '../../../src/main/keys/tpm/esapi-binding.ts';
import {
  evictSrk,
  provisionSrk,
  SRK_HANDLE_ARG,
  startSwtpm,
  type SwtpmInstance,
} from '../../support/swtpm.ts';

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

const DRIVERS: readonly TpmDriver[] = ['tools', 'esapi'];
const BOGUS_SONAMES = {
  esys: 'libtss2-facevault-bogus.so.0',
  tctildr: 'libtss2-tctildr.so.0',
  mu: 'libtss2-mu.so.0',
};
function transientHandles(tcti: string): string {
  return spawnSync('tpm2_getcap', ['-T', tcti, 'handles-transient'], { encoding: 'utf8' }).stdout.trim();
}
/** openDeviceKeys has no driver option: the env variable picks it (restored after each test). */
function useDriverEnv(driver: TpmDriver): void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.FACEVAULT_TPM_DRIVER;
    process.env.FACEVAULT_TPM_DRIVER = driver;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.FACEVAULT_TPM_DRIVER;
    else process.env.FACEVAULT_TPM_DRIVER = saved;
  });
}

describe.each(DRIVERS)('TPM 2.0 backend (swtpm, %s driver)', (driver) => {
  useDriverEnv(driver);
  it('probes the simulator as usable and a missing device as unavailable', async () => {
    expect(await probeTpm({ tcti: tpm.tcti, driver })).toEqual({ usable: true });
    const missing = await probeTpm({ tcti: 'device:/nonexistent/tpmrm0', driver });
    expect(missing.usable).toBe(false);
    if (!missing.usable) expect(missing.reason).toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE' });
  });

  it('seal/unseal round trip; blob file is 0600 and contains no plaintext', async () => {
    const dataDir = join(root, `roundtrip-${driver}`);
    const store = createTpmStore({ driver, dataDir, tcti: tpm.tcti });
    expect(store.driver).toBe(driver);
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
    const store = createTpmStore({
      driver,
      dataDir: join(root, `argv-${driver}`),
      tcti: tpm.tcti,
      spawnFn: recordingSpawn(log),
    });
    const secret = await store.create();
    (await store.load())?.fill(0);
    const forms = [
      Buffer.from(secret).toString('hex'),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('latin1'),
    ];
    const tools = log.map((r) => r.command);
    const sessions = spawnSync('tpm2_getcap', ['-T', tpm.tcti, 'handles-loaded-session'], {
      encoding: 'utf8',
    });
    expect(sessions.status).toBe(0);
    expect(sessions.stdout.trim()).toBe(''); // nothing left behind for the flushes to miss
    expect(transientHandles(tpm.tcti)).toBe('');
    if (driver === 'esapi') {
      expect(tools).toEqual([]); // in-process: no tool, no argv, no env, no pipe
      return;
    }
    expect(tools).toContain('tpm2_create');
    expect(tools).toContain('tpm2_unseal');
    // No resource manager in front of swtpm: transient objects are flushed after createprimary, create and
    // unseal (not between load and unseal), and only transient objects (our commands load no sessions).
    // This TPM has no SRK at 0x81000001 (create looks for one first): the transient-primary path, 5 runs.
    const commands = tools.filter((t) => t !== 'tpm2_flushcontext');
    expect(commands).toEqual([
      'tpm2_readpublic',
      'tpm2_createprimary',
      'tpm2_create',
      'tpm2_createprimary',
      'tpm2_load',
      'tpm2_unseal',
    ]);
    expect(tools.filter((t) => t === 'tpm2_flushcontext').length).toBe(4);
    expect(log.filter((r) => r.command === 'tpm2_flushcontext').every((r) => r.args.at(-1) === '-t')).toBe(
      true,
    );
    for (const r of log) {
      const text = [r.command, ...r.args, ...Object.values(r.env ?? {}).map(String)].join('\0');
      for (const f of forms) expect(text.includes(f)).toBe(false);
    }
    expect(log.find((r) => r.command === 'tpm2_create')?.args).toContain('-');
    expect(log.find((r) => r.command === 'tpm2_unseal')?.args).not.toContain('-o');
  });

  it('openDeviceKeys on the TPM: auto picks it, reopen gives the same identity', async () => {
    const dataDir = join(root, `device-${driver}`);
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
    const err = await createTpmStore({ driver, dataDir: join(root, `device-${driver}`), tcti: fresh.tcti })
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyBindingError);
    // auto mode is sticky: an existing sealed blob means TPM, even if another backend would work
    const copy = join(root, `device-copy-${driver}`);
    await cp(join(root, `device-${driver}`), copy, { recursive: true });
    await expect(
      openDeviceKeys({ dataDir: copy, machineId: 'machine-a', tcti: fresh.tcti }),
    ).rejects.toMatchObject({
      code: 'KEY_BINDING_MISMATCH',
    });
  });

  it('a tampered sealed blob is rejected with a typed error', async () => {
    const dataDir = join(root, `tamper-${driver}`);
    const store = createTpmStore({ driver, dataDir, tcti: tpm.tcti });
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
    const newer = Buffer.from(good);
    newer[5] = 3; // format version after the 'FVTPM' magic: one this build does not know
    await writeFile(p, newer);
    await expect(store.load()).rejects.toMatchObject({
      code: 'KEY_STORE_IO',
      message: KEY_MESSAGES.tpmBlobUnsupported,
    });
    newer[5] = 0;
    await writeFile(p, newer);
    await expect(store.load()).rejects.toMatchObject({
      code: 'KEY_STORE_IO',
      message: KEY_MESSAGES.tpmDamaged,
    });
    await writeFile(p, good);
    expect(await store.load()).toHaveLength(32);
    expect(transientHandles(tpm.tcti)).toBe('');
  });

  it('missing tools / libraries or an unreachable TCTI → KEY_BACKEND_UNAVAILABLE', async () => {
    if (driver === 'tools') {
      const noTools: SpawnFn = (_c, args, o) => spawn('facevault-no-such-tpm2-tool', args, o);
      await expect(
        createTpmStore({ driver, dataDir: join(root, 'x'), tcti: tpm.tcti, spawnFn: noTools }).create(),
      ).rejects.toMatchObject({
        code: 'KEY_BACKEND_UNAVAILABLE',
        message: expect.stringMatching(/tpm2-tools/),
      });
    } else {
      const noLibs = createTpmStore({
        driver,
        dataDir: join(root, 'x'),
        tcti: tpm.tcti,
        esapiSonames: BOGUS_SONAMES,
      });
      await expect(noLibs.create()).rejects.toMatchObject({
        code: 'KEY_BACKEND_UNAVAILABLE',
        message: KEY_MESSAGES.tpmEsapiMissing,
      });
      const probe = await probeTpm({ tcti: tpm.tcti, driver, esapiSonames: BOGUS_SONAMES });
      expect(probe.usable).toBe(false);
      if (!probe.usable) expect(probe.reason).toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE' });
    }
    await expect(
      createTpmStore({
        driver,
        dataDir: join(root, `y-${driver}`),
        tcti: `swtpm:path=${join(root, 'no.sock')}`,
      }).create(),
    ).rejects.toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE', message: expect.stringMatching(/tss/) });
  });
});

// ---- platform SRK (persistent storage root key at 0x81000001) ---------------------------------------------
const SRK = SRK_HANDLE_ARG;
function readSrkYaml(tcti: string): string {
  const r = spawnSync('tpm2_readpublic', ['-T', tcti, '-c', SRK], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tpm2_readpublic: ${r.stderr}`);
  return r.stdout;
}

describe.each(DRIVERS)(
  'TPM 2.0 backend under a platform SRK (own swtpm, SRK provisioned as a platform would; %s driver)',
  (driver) => {
    let srkTpm: SwtpmInstance;
    let dir: string;
    beforeAll(async () => {
      srkTpm = await startSwtpm();
      instances.push(srkTpm);
      dir = await mkdtemp(join(tmpdir(), 'fv-tpm-srk-'));
      provisionSrk(srkTpm.tcti, dir);
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('seals under the SRK (blob v2 records its name); unseal is tpm2_load -C 0x81000001 + unseal + one flush', async () => {
      const log: SpawnRecord[] = [];
      const dataDir = join(dir, `srk-roundtrip-${driver}`);
      const store = createTpmStore({ driver, dataDir, tcti: srkTpm.tcti, spawnFn: recordingSpawn(log) });
      const secret = await store.create();
      if (driver === 'tools') {
        expect(log.map((r) => r.command)).toEqual(['tpm2_readpublic', 'tpm2_create']); // TPM2_Create loads nothing
        expect(log[1]?.args).toEqual([
          '-T',
          srkTpm.tcti,
          '-C',
          SRK,
          '-i',
          '-',
          '-u',
          expect.any(String),
          '-r',
          expect.any(String),
        ]);
      }
      const created = log.length;
      const again = await store.load();
      expect(again).toEqual(secret);
      const loadLog = log.slice(created);
      if (driver === 'tools') {
        expect(loadLog.map((r) => r.command)).toEqual(['tpm2_load', 'tpm2_unseal', 'tpm2_flushcontext']);
        expect(loadLog[0]?.args.slice(0, 4)).toEqual(['-T', srkTpm.tcti, '-C', SRK]);
        expect(loadLog[2]?.args.at(-1)).toBe('-t');
      } else {
        expect(log).toEqual([]);
      }

      const blobPath = join(dataDir, TPM_BLOB_FILE);
      expect((await stat(blobPath)).mode & 0o777).toBe(0o600);
      const blob = await readFile(blobPath);
      expect(blob[5]).toBe(2); // format version 2: persistent SRK parent
      expect(blob.readUInt32BE(6)).toBe(0x81000001);
      const name = parseSrkReadPublic(readSrkYaml(srkTpm.tcti));
      expect(name).not.toBeNull();
      expect(blob.subarray(12, 12 + 34)).toEqual(Buffer.from(name ?? []));
      expect(blob.includes(Buffer.from(secret))).toBe(false);

      for (const r of log) {
        const text = [r.command, ...r.args, ...Object.values(r.env ?? {}).map(String)].join('\0');
        for (const f of [
          Buffer.from(secret).toString('hex'),
          Buffer.from(secret).toString('base64'),
          Buffer.from(secret).toString('latin1'),
        ]) {
          expect(text.includes(f)).toBe(false);
        }
      }
      expect(
        spawnSync('tpm2_getcap', ['-T', srkTpm.tcti, 'handles-transient'], {
          encoding: 'utf8',
        }).stdout.trim(),
      ).toBe('');
      expect(
        spawnSync('tpm2_getcap', ['-T', srkTpm.tcti, 'handles-persistent'], {
          encoding: 'utf8',
        }).stdout.trim(),
      ).toBe(`- ${SRK}`);
      await expect(store.create()).rejects.toMatchObject({ code: 'KEY_STORE_IO' }); // never replaced
    });

    it("parent: 'transient' writes a v1 blob that keeps loading the old way while an SRK exists", async () => {
      const dataDir = join(dir, 'srk-v1');
      const secret = await createTpmStore({
        driver,
        dataDir,
        tcti: srkTpm.tcti,
        parent: 'transient',
      }).create();
      expect((await readFile(join(dataDir, TPM_BLOB_FILE)))[5]).toBe(1);
      const log: SpawnRecord[] = [];
      expect(
        await createTpmStore({ driver, dataDir, tcti: srkTpm.tcti, spawnFn: recordingSpawn(log) }).load(),
      ).toEqual(secret);
      expect(log.map((r) => r.command).filter((t) => t !== 'tpm2_flushcontext')).toEqual(
        driver === 'tools' ? ['tpm2_createprimary', 'tpm2_load', 'tpm2_unseal'] : [],
      );
      expect(() => createTpmStore({ driver, dataDir, parent: 'srk' as 'auto' })).toThrow(TypeError);
    });

    it('SRK evicted or replaced → KEY_BINDING_MISMATCH saying so (no fallback); the same SRK re-provisioned → loads again', async () => {
      const v2 = join(dir, 'srk-evict-v2');
      const v1 = join(dir, 'srk-evict-v1');
      const secret2 = await createTpmStore({ driver, dataDir: v2, tcti: srkTpm.tcti }).create();
      const secret1 = await createTpmStore({
        driver,
        dataDir: v1,
        tcti: srkTpm.tcti,
        parent: 'transient',
      }).create();
      expect((await readFile(join(v2, TPM_BLOB_FILE)))[5]).toBe(2);

      evictSrk(srkTpm.tcti);
      const log: SpawnRecord[] = [];
      const gone = await createTpmStore({
        driver,
        dataDir: v2,
        tcti: srkTpm.tcti,
        spawnFn: recordingSpawn(log),
      })
        .load()
        .catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(KeyBindingError);
      expect(gone).toMatchObject({ code: 'KEY_BINDING_MISMATCH', message: KEY_MESSAGES.tpmSrkChanged });
      expect(log.map((r) => r.command)).not.toContain('tpm2_createprimary'); // never another parent
      expect(log.map((r) => r.command)).not.toContain('tpm2_unseal');
      expect(await createTpmStore({ driver, dataDir: v1, tcti: srkTpm.tcti }).load()).toEqual(secret1); // v1 unaffected
      const noSrk = join(dir, 'srk-none');
      (await createTpmStore({ driver, dataDir: noSrk, tcti: srkTpm.tcti }).create()).fill(0);
      expect((await readFile(join(noSrk, TPM_BLOB_FILE)))[5]).toBe(1); // nothing at 0x81000001 → transient primary

      // A key at the handle that is not a storage key (not restricted) is not used either.
      provisionSrk(
        srkTpm.tcti,
        dir,
        'ecc256',
        'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|decrypt',
      );
      const notSrk = join(dir, 'srk-not-storage');
      (await createTpmStore({ driver, dataDir: notSrk, tcti: srkTpm.tcti }).create()).fill(0);
      expect((await readFile(join(notSrk, TPM_BLOB_FILE)))[5]).toBe(1);
      await expect(createTpmStore({ driver, dataDir: v2, tcti: srkTpm.tcti }).load()).rejects.toMatchObject({
        code: 'KEY_BINDING_MISMATCH',
        message: KEY_MESSAGES.tpmSrkChanged,
      });
      evictSrk(srkTpm.tcti);

      provisionSrk(srkTpm.tcti, dir, 'rsa2048:aes128cfb'); // another key at the same handle
      await expect(createTpmStore({ driver, dataDir: v2, tcti: srkTpm.tcti }).load()).rejects.toMatchObject({
        code: 'KEY_BINDING_MISMATCH',
        message: KEY_MESSAGES.tpmSrkChanged,
      });
      expect(
        spawnSync('tpm2_getcap', ['-T', srkTpm.tcti, 'handles-transient'], {
          encoding: 'utf8',
        }).stdout.trim(),
      ).toBe('');

      evictSrk(srkTpm.tcti);
      provisionSrk(srkTpm.tcti, dir); // a primary is derived from the hierarchy seed + template: same key, same name
      expect(await createTpmStore({ driver, dataDir: v2, tcti: srkTpm.tcti }).load()).toEqual(secret2);
    });

    it('an altered v2 blob under the same SRK is still the generic binding error (not "SRK changed")', async () => {
      const dataDir = join(dir, 'srk-tamper');
      (await createTpmStore({ driver, dataDir, tcti: srkTpm.tcti }).create()).fill(0);
      const p = join(dataDir, TPM_BLOB_FILE);
      const good = await readFile(p);
      const flipped = Buffer.from(good);
      flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 0x01;
      await writeFile(p, flipped);
      await expect(createTpmStore({ driver, dataDir, tcti: srkTpm.tcti }).load()).rejects.toMatchObject({
        code: 'KEY_BINDING_MISMATCH',
        message: KEY_MESSAGES.tpmBinding,
      });
      const badHandle = Buffer.from(good);
      badHandle.writeUInt32BE(0x81000002, 6);
      await writeFile(p, badHandle);
      await expect(createTpmStore({ driver, dataDir, tcti: srkTpm.tcti }).load()).rejects.toMatchObject({
        code: 'KEY_STORE_IO',
      });
    });

    it('parseSrkReadPublic accepts the provisioned SRK and rejects anything else', () => {
      const yaml = readSrkYaml(srkTpm.tcti);
      expect(parseSrkReadPublic(yaml)).toHaveLength(34);
      const attrLine = /^attributes:\n {2}value: .*\n {2}raw: 0x([0-9a-f]+)$/m;
      expect(yaml).toMatch(attrLine);
      const withRaw = (raw: number): string =>
        yaml.replace(/^(attributes:\n {2}value: .*\n {2}raw: )0x[0-9a-f]+$/m, `$10x${raw.toString(16)}`);
      expect(parseSrkReadPublic(withRaw(0x30472))).not.toBeNull();
      expect(parseSrkReadPublic(withRaw(0x30472 | 0x40000))).toBeNull(); // + sign
      expect(parseSrkReadPublic(withRaw(0x30472 & ~0x10000))).toBeNull(); // not restricted
      expect(parseSrkReadPublic(withRaw(0x30472 & ~0x20000))).toBeNull(); // not decrypt
      expect(parseSrkReadPublic(withRaw(0x30472 & ~0x400))).toBeNull(); // dictionary-attack protected
      expect(parseSrkReadPublic(yaml.replace(/^name: 000b/m, 'name: 0004'))).toBeNull(); // SHA-1 name
      expect(
        parseSrkReadPublic(yaml.replace(/^(name-alg:\n {2}value: sha256\n {2}raw: )0xb$/m, '$10x4')),
      ).toBeNull();
      expect(parseSrkReadPublic(`${yaml}\nname: ${'00'.repeat(34)}\n`)).toBeNull(); // duplicate key
      expect(
        parseSrkReadPublic(
          yaml.replace(/^type:\n {2}value: ecc\n {2}raw: 0x23$/m, 'type:\n  value: keyedhash\n  raw: 0x8'),
        ),
      ).toBeNull();
      expect(parseSrkReadPublic('')).toBeNull();
      expect(parseSrkReadPublic('garbage')).toBeNull();
    });
  },
);

describe('blobs move between the drivers (one swtpm; v1 transient primary and v2 platform SRK)', () => {
  let xTpm: SwtpmInstance;
  let dir: string;
  beforeAll(async () => {
    xTpm = await startSwtpm();
    instances.push(xTpm);
    dir = await mkdtemp(join(tmpdir(), 'fv-tpm-x-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const pairs: readonly [TpmDriver, TpmDriver][] = [
    ['tools', 'esapi'],
    ['esapi', 'tools'],
  ];
  it.each(pairs)('v1: sealed with %s, unsealed with %s (same TPM objects, same file)', async (from, to) => {
    const dataDir = join(dir, `v1-${from}-${to}`);
    const secret = await createTpmStore({ driver: from, dataDir, tcti: xTpm.tcti }).create();
    expect((await readFile(join(dataDir, TPM_BLOB_FILE)))[5]).toBe(1);
    expect(await createTpmStore({ driver: to, dataDir, tcti: xTpm.tcti }).load()).toEqual(secret);
    expect(await createTpmStore({ driver: from, dataDir, tcti: xTpm.tcti }).load()).toEqual(secret);
    expect(transientHandles(xTpm.tcti)).toBe('');
  });

  it("the esapi templates are the installed tpm2-tools' own (--template-data)", async () => {
    const run = (tool: string, args: string[], input?: string): void => {
      const r = spawnSync(tool, ['-T', xTpm.tcti, ...args], { input, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    run('tpm2_createprimary', [
      '-C',
      'o',
      '-g',
      'sha256',
      '-G',
      'ecc',
      '-c',
      join(dir, 'p.ctx'),
      '--template-data',
      join(dir, 'p.tmpl'),
    ]);
    run(
      'tpm2_create',
      [
        '-C',
        join(dir, 'p.ctx'),
        '-i',
        '-',
        '-u',
        join(dir, 'o.pub'),
        '-r',
        join(dir, 'o.priv'),
        '--template-data',
        join(dir, 'o.tmpl'),
      ],
      'x'.repeat(32),
    );
    run('tpm2_flushcontext', ['-t']);
    expect(new Uint8Array(await readFile(join(dir, 'p.tmpl')))).toEqual(PRIMARY_TEMPLATE);
    expect(new Uint8Array(await readFile(join(dir, 'o.tmpl')))).toEqual(SEAL_TEMPLATE);
    expect(transientHandles(xTpm.tcti)).toBe('');
  });

  it('both drivers write byte-identical public areas for the sealed object (same template)', async () => {
    const a = await readFile(join(dir, 'v1-tools-esapi', TPM_BLOB_FILE));
    const b = await readFile(join(dir, 'v1-esapi-tools', TPM_BLOB_FILE));
    const pubOf = (f: Buffer): Buffer => f.subarray(8, 8 + f.readUInt16BE(6));
    // keyedhash public: type, nameAlg, attributes, policy, scheme identical; unique = seed-derived digest differs
    expect(pubOf(a).subarray(0, 12)).toEqual(pubOf(b).subarray(0, 12));
    expect(pubOf(a).length).toBe(pubOf(b).length);
  });

  it.each(pairs)(
    'v2: sealed under the SRK with %s, unsealed with %s; once the SRK is evicted both drivers report KEY_BINDING_MISMATCH',
    async (from, to) => {
      provisionSrk(xTpm.tcti, dir);
      try {
        const dataDir = join(dir, `v2-${from}-${to}`);
        const secret = await createTpmStore({ driver: from, dataDir, tcti: xTpm.tcti }).create();
        expect((await readFile(join(dataDir, TPM_BLOB_FILE)))[5]).toBe(2);
        expect(await createTpmStore({ driver: to, dataDir, tcti: xTpm.tcti }).load()).toEqual(secret);
        expect(transientHandles(xTpm.tcti)).toBe('');
      } finally {
        evictSrk(xTpm.tcti);
      }
      for (const d of DRIVERS) {
        await expect(
          createTpmStore({ driver: d, dataDir: join(dir, `v2-${from}-${to}`), tcti: xTpm.tcti }).load(),
        ).rejects.toMatchObject({
          code: 'KEY_BINDING_MISMATCH',
          message: KEY_MESSAGES.tpmSrkChanged,
        });
      }
      expect(transientHandles(xTpm.tcti)).toBe('');
    },
  );

  it("'auto' uses esapi when the libraries load and falls back to tools when they do not", async () => {
    const saved = process.env.FACEVAULT_TPM_DRIVER;
    delete process.env.FACEVAULT_TPM_DRIVER;
    try {
      expect(createTpmStore({ dataDir: join(dir, 'auto'), tcti: xTpm.tcti }).driver).toBe('esapi');
      const log: SpawnRecord[] = [];
      const fallback = createTpmStore({
        dataDir: join(dir, 'auto'),
        tcti: xTpm.tcti,
        esapiSonames: BOGUS_SONAMES,
        spawnFn: recordingSpawn(log),
      });
      expect(fallback.driver).toBe('tools');
      const secret = await fallback.create();
      expect(log.map((r) => r.command)).toContain('tpm2_create');
      expect(await createTpmStore({ dataDir: join(dir, 'auto'), tcti: xTpm.tcti }).load()).toEqual(secret);
      expect(await probeTpm({ tcti: xTpm.tcti, esapiSonames: BOGUS_SONAMES })).toEqual({ usable: true }); // via tools
      process.env.FACEVAULT_TPM_DRIVER = 'tools';
      expect(createTpmStore({ dataDir: join(dir, 'auto'), tcti: xTpm.tcti }).driver).toBe('tools');
      process.env.FACEVAULT_TPM_DRIVER = 'bogus';
      expect(() => createTpmStore({ dataDir: join(dir, 'auto'), tcti: xTpm.tcti })).toThrow(TypeError);
    } finally {
      if (saved === undefined) delete process.env.FACEVAULT_TPM_DRIVER;
      else process.env.FACEVAULT_TPM_DRIVER = saved;
    }
  });
});

describe('the environment and stderr of the process (no TSS2_LOG write; quiet on the normal paths)', () => {
  it.each(DRIVERS)(
    '%s: create (no SRK here) + load + probe print nothing and leave TSS2_LOG unset',
    async (driver) => {
      const env = { ...process.env };
      delete env.TSS2_LOG;
      const r = spawnSync(
        process.execPath,
        [
          join(import.meta.dirname, '../../support/tpm-quiet-child.ts'),
          tpm.tcti,
          join(root, `quiet-${driver}`),
          driver,
        ],
        { env, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ roundTrip: true, usable: true, tss2Log: null });
      expect(r.stderr).toBe('');
    },
  );
});

describe('hasResourceManager', () => {
  it('is true only for the kernel resource manager and tpm2-abrmd', () => {
    for (const t of ['device:/dev/tpmrm0', 'device:/dev/tpmrm12', 'tabrmd', 'tabrmd:bus_type=session'])
      expect(hasResourceManager(t)).toBe(true);
    for (const t of [
      'device:/dev/tpm0',
      'swtpm:path=/tmp/s',
      'mssim:host=localhost',
      'device:/dev/tpmrm0x',
      'device:/dev/tpmrm',
    ]) {
      expect(hasResourceManager(t)).toBe(false);
    }
  });
});
