/**
 * Runs one device-key operation in a fresh Node process (its own libsecret connection), so a test can
 * talk to a second Secret Service ("another machine", "a fresh keyring"). Prints one JSON line.
 *   node keys-child.ts open <dataDir> <machineId> <backend>   → {ok, backend, publicKey} | {ok:false, code}
 *   node keys-child.ts put-entry                              ← keychain entry on stdin (never argv)
 */
import { loadKeytar, KEYCHAIN_ACCOUNT, KEYCHAIN_SERVICE } from '../../src/main/keys/keychain-store.ts';
import { openDeviceKeys, type BackendChoice } from '../../src/main/keys/open-device-keys.ts';

const [op, dataDir, machineId, backend] = process.argv.slice(2);
const isBackend = (x: unknown): x is BackendChoice => x === 'auto' || x === 'tpm' || x === 'keychain';

async function main(): Promise<unknown> {
  if (op === 'open') {
    if (dataDir === undefined || machineId === undefined || !isBackend(backend)) throw new Error('usage');
    try {
      const keys = await openDeviceKeys({ dataDir, machineId, backend, tcti: 'device:/nonexistent/tpmrm0' });
      const out = {
        ok: true,
        backend: keys.backend,
        publicKey: Buffer.from(keys.identity.publicKey).toString('hex'),
      };
      await keys.close();
      return out;
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : String(e);
      return { ok: false, code, message: e instanceof Error ? e.message : '' };
    }
  }
  if (op === 'put-entry') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    const kt = await loadKeytar();
    await kt.setPassword(KEYCHAIN_SERVICE, KEYCHAIN_ACCOUNT, Buffer.concat(chunks).toString('utf8'));
    return { ok: true };
  }
  throw new Error(`unknown op ${String(op)}`);
}

main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  },
  (e: unknown) => {
    process.stdout.write(`${JSON.stringify({ ok: false, code: 'CHILD_FAILED', message: String(e) })}\n`);
    process.exitCode = 1;
  },
);
