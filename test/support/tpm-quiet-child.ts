/**
 * The TPM store in a child process, to observe what the process itself writes: `node tpm-quiet-child.ts
 * <tcti> <dataDir> <driver>` creates a sealed secret (looking for an SRK first), unseals it, probes, and
 * prints one JSON line: whether it round-tripped and the TSS2_LOG it sees afterwards (the store must not
 * set it). Its stderr is the test's evidence that the normal paths print nothing.
 */
import { createTpmStore, probeTpm, type TpmDriver } from '../../src/main/keys/tpm/tpm-store.ts';

const [tcti, dataDir, driver] = process.argv.slice(2);
if (tcti === undefined || dataDir === undefined || (driver !== 'esapi' && driver !== 'tools'))
  throw new Error('usage: tpm-quiet-child <tcti> <dataDir> esapi|tools');
const d: TpmDriver = driver;
const store = createTpmStore({ dataDir, tcti, driver: d });
const secret = await store.create();
const again = await store.load();
const probe = await probeTpm({ tcti, driver: d });
console.log(
  JSON.stringify({
    roundTrip: again !== null && Buffer.from(again).equals(Buffer.from(secret)),
    usable: probe.usable,
    tss2Log: process.env.TSS2_LOG ?? null,
  }),
);
