/** The NV monotonic counter adapter against a real TPM 2.0 simulator (swtpm) through the real tpm2-tools. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateIndices, createTpmNvCounter } from '../../../src/main/keys/tpm/tools-nv-counter.ts';
import { startSwtpm, type SwtpmInstance } from '../../support/swtpm.ts';

let tpm: SwtpmInstance;
beforeAll(async () => {
  tpm = await startSwtpm();
});
afterAll(async () => {
  await tpm?.stop();
});

describe('TPM NV counter (nt=counter)', () => {
  it('is absent on a fresh device key, then created once, and only ever increases', async () => {
    const seed = new Uint8Array(randomBytes(32));
    const c = createTpmNvCounter({ tcti: tpm.tcti, seed });
    expect(await c.read()).toBeNull();
    const first = await c.create();
    expect(c.nvIndex).toBe(candidateIndices(seed)[0]);
    expect(await c.increment()).toBe(first + 1n);
    // Another process (a restart) finds the same counter; create() reuses it, never resets it.
    const again = createTpmNvCounter({ tcti: tpm.tcti, seed });
    expect(await again.read()).toBe(first + 1n);
    expect(await again.create()).toBe(first + 1n);
    const list = spawnSync('tpm2_nvreadpublic', ['-T', tpm.tcti, `0x${c.nvIndex!.toString(16)}`], {
      encoding: 'utf8',
    }).stdout;
    expect(list).toMatch(/nt=0x1/);
    await again.destroy();
    expect(await c.read()).toBeNull();
  });

  it('skips an index another program defined with other attributes, and never touches it', async () => {
    const seed = new Uint8Array(randomBytes(32));
    const [first, second] = candidateIndices(seed);
    const r = spawnSync('tpm2_nvdefine', [
      '-T',
      tpm.tcti,
      '-C',
      'o',
      '-s',
      '32',
      '-a',
      'ownerread|ownerwrite',
      `0x${first!.toString(16)}`,
    ]);
    expect(r.status).toBe(0);
    const c = createTpmNvCounter({ tcti: tpm.tcti, seed });
    expect(await c.read()).toBeNull();
    await c.create();
    expect(c.nvIndex).toBe(second);
    expect(
      spawnSync('tpm2_nvreadpublic', ['-T', tpm.tcti, `0x${first!.toString(16)}`], { encoding: 'utf8' })
        .stdout,
    ).toMatch(/size: 32/);
  });

  it('fails closed with AUTH_ANCHOR_UNAVAILABLE when the TPM cannot be reached', async () => {
    const c = createTpmNvCounter({
      tcti: 'swtpm:path=/nonexistent/tpm.sock',
      seed: new Uint8Array(32),
      timeoutMs: 10_000,
    });
    await expect(c.read()).rejects.toMatchObject({ code: 'AUTH_ANCHOR_UNAVAILABLE' });
  });
});
