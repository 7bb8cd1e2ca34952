import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttemptCounter } from '../../../src/main/auth/attempt-counter.ts';
import { quantiseScore } from '../../../src/main/auth/guidance.ts';

const key = new Uint8Array(32).fill(3);

describe('AttemptCounter', () => {
  it('locks out after 5 failures, and the lock survives a new instance (restart)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-count-'));
    const c = new AttemptCounter(dir, key);
    await c.reset('alice');
    for (let i = 1; i <= 4; i++)
      expect(await c.recordFailure('alice')).toMatchObject({ failures: i, lockedOut: false });
    expect(await c.recordFailure('alice')).toMatchObject({ failures: 5, lockedOut: true });
    const restarted = new AttemptCounter(dir, key);
    expect((await restarted.read('alice')).lockedOut).toBe(true);
    expect((await restarted.recordSuccess('alice')).lockedOut).toBe(true); // a face match never lifts the lock
    expect(await restarted.reset('alice')).toMatchObject({ failures: 0, lockedOut: false });
  });

  it('a success clears failures below the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-count-'));
    const c = new AttemptCounter(dir, key);
    await c.reset('alice');
    await c.recordFailure('alice');
    expect(await c.recordSuccess('alice')).toMatchObject({ failures: 0, lockedOut: false });
  });

  it('fails closed on an edited, re-keyed or deleted state file (STATE_CORRUPT)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-count-'));
    const c = new AttemptCounter(dir, key);
    await c.reset('alice');
    await c.recordFailure('alice');
    const path = join(dir, 'attempts-alice.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('\\"failures\\":1', '\\"failures\\":0'));
    await expect(c.read('alice')).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    await writeFile(path, text);
    await expect(new AttemptCounter(dir, new Uint8Array(32).fill(4)).read('alice')).rejects.toMatchObject({
      code: 'STATE_CORRUPT',
    });
    await rm(path);
    await expect(c.read('alice')).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    await expect(c.recordFailure('alice')).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
  });
});

describe('quantiseScore', () => {
  it('gives 4 coarse levels split at the threshold', () => {
    expect([0.0, 0.25, 0.36, 0.6].map((s) => quantiseScore(s, 0.35))).toEqual([0, 1, 2, 3]);
  });
});
