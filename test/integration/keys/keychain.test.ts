/**
 * The keychain backend against a real Secret Service (private dbus-daemon + gnome-keyring-daemon) through
 * the real keytar native module. Other "machines" and fresh keyrings run in child Node processes with their
 * own Secret Service, because libsecret keeps one bus connection per process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeychainStore,
  KEYCHAIN_ACCOUNT,
  KEYCHAIN_SERVICE,
  loadKeytar,
} from '../../../src/main/keys/keychain-store.ts';
import { openDeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import { projectRoot } from '../../support/shared-data.ts';
import { startSecretService, type SecretServiceInstance } from '../../support/secret-service.ts';

const NO_TPM = 'device:/nonexistent/tpmrm0';
let ss: SecretServiceInstance;
let other: SecretServiceInstance | undefined;
let root: string;

interface ChildResult {
  ok: boolean;
  code?: string;
  backend?: string;
  publicKey?: string;
  message?: string;
}

function child(env: NodeJS.ProcessEnv, args: string[], stdin?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(projectRoot, 'test/support/keys-child.ts'), ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.stdin.end(stdin ?? '');
    p.on('error', reject);
    p.on('close', () => {
      try {
        const parsed: unknown = JSON.parse(out.trim().split('\n').pop() ?? '');
        resolve(parsed as ChildResult); // cast: keys-child.ts prints exactly this shape
      } catch {
        reject(new Error(`child produced no result: ${out} ${err}`));
      }
    });
  });
}

beforeAll(async () => {
  ss = await startSecretService();
  ss.useInProcess(); // before keytar is first loaded in this (forked) process
  root = await mkdtemp(join(tmpdir(), 'fv-kc-'));
});
afterAll(async () => {
  await other?.stop();
  await ss?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('keychain backend (real Secret Service + keytar)', () => {
  it('round trip through keytar; the entry really lives in the Secret Service', async () => {
    const store = createKeychainStore({ account: 'roundtrip-test-v1' });
    expect(await store.load()).toBeNull();
    const created = await store.create();
    const loaded = await store.load();
    expect(loaded).toEqual(created);
    const lookup = spawnSync(
      'secret-tool',
      ['lookup', 'service', KEYCHAIN_SERVICE, 'account', 'roundtrip-test-v1'],
      {
        env: ss.env,
        encoding: 'utf8',
      },
    );
    expect(lookup.status).toBe(0);
    expect(lookup.stdout).toBe('fv1:' + Buffer.from(created).toString('base64'));
    await expect(store.create()).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
    await store.destroy();
    expect(await store.load()).toBeNull();
  });

  it('openDeviceKeys (auto, no TPM) picks the keychain and reopens the same identity', async () => {
    const dataDir = join(root, 'machine-a');
    const a = await openDeviceKeys({ dataDir, machineId: 'machine-a', tcti: NO_TPM });
    expect(a.backend).toBe('keychain');
    const vault = Buffer.from(await a.deriveKey('vault')).toString('hex');
    await a.close();
    const b = await openDeviceKeys({ dataDir, machineId: 'machine-a', tcti: NO_TPM });
    expect(b.identity.publicKey).toEqual(a.identity.publicKey);
    expect(Buffer.from(await b.deriveKey('vault')).toString('hex')).toBe(vault);
    await b.close();
  });

  it('the same data dir on another machine id (same keyring) → KEY_BINDING_MISMATCH', async () => {
    await expect(
      openDeviceKeys({ dataDir: join(root, 'machine-a'), machineId: 'machine-b', tcti: NO_TPM }),
    ).rejects.toMatchObject({ code: 'KEY_BINDING_MISMATCH' });
  });

  it('a fresh keyring cannot open old data (KEY_NOT_FOUND, nothing created over it)', async () => {
    other = await startSecretService({ password: 'another-users-password' });
    const copy = join(root, 'fresh-keyring-copy');
    await cp(join(root, 'machine-a'), copy, { recursive: true });
    const r = await child(other.env, ['open', copy, 'machine-a', 'auto']);
    expect(r).toMatchObject({ ok: false, code: 'KEY_NOT_FOUND' });
    const lookup = spawnSync(
      'secret-tool',
      ['lookup', 'service', KEYCHAIN_SERVICE, 'account', KEYCHAIN_ACCOUNT],
      {
        env: other.env,
      },
    );
    expect(lookup.status).not.toBe(0); // no new secret was written to the fresh keyring
  });

  it('the keychain entry and data dir copied to another machine are useless there', async () => {
    if (!other) throw new Error('previous test did not start the second Secret Service');
    const entry = await (await loadKeytar()).getPassword(KEYCHAIN_SERVICE, KEYCHAIN_ACCOUNT);
    expect(entry).toMatch(/^fv1:/);
    const put = await child(other.env, ['put-entry'], entry ?? '');
    expect(put.ok).toBe(true);
    const copy = join(root, 'fresh-keyring-copy');
    const onOtherMachine = await child(other.env, ['open', copy, 'machine-b', 'auto']);
    expect(onOtherMachine).toMatchObject({ ok: false, code: 'KEY_BINDING_MISMATCH' });
    // Control: the copy itself is faithful; only the machine id differs.
    const sameId = await child(other.env, ['open', copy, 'machine-a', 'auto']);
    expect(sameId.ok).toBe(true);
  });

  it('a locked keyring → KEY_STORE_LOCKED with "unlock your login keyring"', async () => {
    if (!other) throw new Error('previous test did not start the second Secret Service');
    other.lock();
    const r = await child(other.env, ['open', join(root, 'locked-first-run'), 'machine-c', 'keychain']);
    expect(r).toMatchObject({ ok: false, code: 'KEY_STORE_LOCKED' });
    expect(r.message).toMatch(/unlock your login keyring/i);
  });
});
