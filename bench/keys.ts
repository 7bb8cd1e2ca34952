/**
 * Device key store timings: TPM seal / unseal (swtpm + tpm2-tools, transient primary, no SRK in this TPM)
 * and keychain get (private Secret Service + keytar); then, in the same swtpm with a platform SRK provisioned
 * at 0x81000001 (as Windows / systemd-cryptenroll do), the unseal of a v1 blob (transient primary: 5 tool
 * runs) against a v2 blob (SRK: 3 runs), interleaved, and their ratio (benchSrkUnseal); each of those with
 * both TPM drivers (esapi: in-process tpm2-tss, tools: tpm2-tools), interleaved. The first part uses the
 * default driver (FACEVAULT_TPM_DRIVER, else auto). Prints medians; asserts nothing.
 * Run: node bench/keys.ts [iterations]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeychainStore } from '../src/main/keys/keychain-store.ts';
import { openDeviceKeys } from '../src/main/keys/open-device-keys.ts';
import { createTpmStore, selectDriver, type TpmDriver } from '../src/main/keys/tpm/tpm-store.ts';
import { startSecretService } from '../test/support/secret-service.ts';
import { provisionSrk, startSwtpm, type SwtpmInstance } from '../test/support/swtpm.ts';

const n = Number.parseInt(process.argv[2] ?? '15', 10);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}
const report = (name: string, xs: number[]): void =>
  console.log(
    `${name.padEnd(38)} median ${median(xs).toFixed(1).padStart(7)} ms  (n=${xs.length}, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`,
  );

/**
 * Unseal under the transient primary (v1 blob, parent: 'transient') vs under the platform SRK (v2 blob), each
 * with the tools and the esapi driver (the same two blob files: they are driver-independent), in one swtpm,
 * interleaved. Provisions the SRK in that swtpm first (bench only; the product never does).
 */
async function benchSrkUnseal(tpmSim: SwtpmInstance, dir: string): Promise<void> {
  provisionSrk(tpmSim.tcti, dir);
  const v1 = join(dir, 'srk-bench-v1');
  const v2 = join(dir, 'srk-bench-v2');
  (
    await createTpmStore({ dataDir: v1, tcti: tpmSim.tcti, parent: 'transient', driver: 'tools' }).create()
  ).fill(0);
  (await createTpmStore({ dataDir: v2, tcti: tpmSim.tcti, driver: 'tools' }).create()).fill(0);
  const esapiLoads = !('error' in selectDriver({ driver: 'esapi' }));
  if (!esapiLoads) console.log('esapi driver unavailable (koffi or tpm2-tss missing): tools only');
  const drivers: TpmDriver[] = esapiLoads ? ['tools', 'esapi'] : ['tools'];
  const arms = drivers.flatMap((driver) => [
    {
      name: `tpm unseal, ${driver}, transient primary`,
      store: createTpmStore({ dataDir: v1, tcti: tpmSim.tcti, driver }),
      t: [] as number[],
    },
    {
      name: `tpm unseal, ${driver}, platform SRK`,
      store: createTpmStore({ dataDir: v2, tcti: tpmSim.tcti, driver }),
      t: [] as number[],
    },
  ]);
  for (let i = 0; i < n; i++) {
    for (const arm of arms) arm.t.push(await time(async () => (await arm.store.load())?.fill(0)));
  }
  for (const arm of arms) report(arm.name, arm.t);
  const m = (name: string): number => median(arms.find((a) => a.name === name)?.t ?? []);
  for (const d of drivers) {
    console.log(
      `tpm unseal ${d}: SRK / transient ratio`.padEnd(46) +
        (m(`tpm unseal, ${d}, platform SRK`) / m(`tpm unseal, ${d}, transient primary`)).toFixed(2),
    );
  }
  if (drivers.includes('esapi')) {
    for (const p of ['transient primary', 'platform SRK']) {
      console.log(
        `tpm unseal ${p}: tools / esapi`.padEnd(46) +
          (m(`tpm unseal, tools, ${p}`) / m(`tpm unseal, esapi, ${p}`)).toFixed(1) +
          '×',
      );
    }
  }
}

const root = await mkdtemp(join(tmpdir(), 'fv-bench-keys-'));
const tpm = await startSwtpm();
const ss = await startSecretService();
ss.useInProcess();
try {
  const seal: number[] = [];
  const unseal: number[] = [];
  for (let i = 0; i < n; i++) {
    const store = createTpmStore({ dataDir: join(root, `tpm-${i}`), tcti: tpm.tcti });
    seal.push(await time(async () => (await store.create()).fill(0)));
    unseal.push(await time(async () => (await store.load())?.fill(0)));
  }
  console.log(`TPM driver for seal/unseal/openDeviceKeys below: ${selectDriver().driver}`);
  report('tpm seal (create)', seal);
  report('tpm unseal (load)', unseal);

  const kc = createKeychainStore({ account: 'bench-v1' });
  (await kc.create()).fill(0);
  const get: number[] = [];
  for (let i = 0; i < n; i++) get.push(await time(async () => (await kc.load())?.fill(0)));
  report('keychain get (load)', get);
  await kc.destroy();

  const openTpm: number[] = [];
  const openKc: number[] = [];
  await (
    await openDeviceKeys({
      dataDir: join(root, 'open-tpm'),
      machineId: 'bench',
      backend: 'tpm',
      tcti: tpm.tcti,
    })
  ).close();
  await (
    await openDeviceKeys({ dataDir: join(root, 'open-kc'), machineId: 'bench', backend: 'keychain' })
  ).close();
  for (let i = 0; i < n; i++) {
    openTpm.push(
      await time(async () =>
        (
          await openDeviceKeys({
            dataDir: join(root, 'open-tpm'),
            machineId: 'bench',
            backend: 'tpm',
            tcti: tpm.tcti,
          })
        ).close(),
      ),
    );
    openKc.push(
      await time(async () =>
        (
          await openDeviceKeys({ dataDir: join(root, 'open-kc'), machineId: 'bench', backend: 'keychain' })
        ).close(),
      ),
    );
  }
  report('openDeviceKeys (tpm, existing)', openTpm);
  report('openDeviceKeys (keychain, existing)', openKc);

  await benchSrkUnseal(tpm, root);
} finally {
  await ss.stop();
  await tpm.stop();
  await rm(root, { recursive: true, force: true });
}
