/**
 * The fuse policy and its read-back check, on a binary that carries a real V1 fuse wire (the sentinel,
 * version byte, length byte and one state byte per fuse, as Electron lays it out) in Electron's
 * default state: @electron/fuses flips it with our policy, and the independent read-back must find every
 * fuse as the policy says, and must name each one that is not.
 */
import { FuseState, FuseV1Options, flipFuses } from '@electron/fuses';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFuseWire, FUSES, SECURITY_FUSES, verifyFuses } from '../../../scripts/release/fuse-policy.ts';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const E = FuseState.ENABLE;
const D = FuseState.DISABLE;
// Electron's shipped defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, ASAR
// integrity off, only-from-ASAR off, browser V8 snapshot off, file:// privileges on, wasm trap handlers on.
const ELECTRON_DEFAULTS = [E, D, E, E, D, D, D, E, E];

let dir: string;
const fakeBinary = async (name: string, states: number[]): Promise<string> => {
  const wire = Buffer.from([1, states.length, ...states]);
  const bytes = Buffer.concat([randomBytes(70_000), Buffer.from(SENTINEL), wire, randomBytes(5_000)]);
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-fuses-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fuse policy', () => {
  it('names the issue’s settings: RunAsNode, NODE_OPTIONS, --inspect, file:// privileges off; ASAR integrity, only-from-ASAR, cookie encryption on', () => {
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(FUSES.strictlyRequireAllFuses).toBe(true);
  });

  it('sets every fuse @electron/fuses knows, so a new Electron fuse cannot slip in as a default', () => {
    const known = Object.keys(FuseV1Options).filter((k) => /^\d+$/.test(k));
    for (const k of known) expect(typeof FUSES[Number(k) as FuseV1Options]).toBe('boolean');
  });
});

describe('fuse wire read-back', () => {
  it('reports each security fuse of an unflipped Electron binary as wrong', async () => {
    const bin = await fakeBinary('unflipped', ELECTRON_DEFAULTS);
    const m = await verifyFuses(bin);
    expect(m.map((x) => x.fuse).sort()).toEqual(SECURITY_FUSES.map((f) => FuseV1Options[f]).sort());
  });

  it('finds every fuse as the policy says after @electron/fuses flipped it, and the bytes around the wire are untouched', async () => {
    const bin = await fakeBinary('flipped', ELECTRON_DEFAULTS);
    const before = await readFile(bin);
    await flipFuses(bin, FUSES);
    expect(await verifyFuses(bin)).toEqual([]);
    const after = await readFile(bin);
    const at = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(after.subarray(0, at)).toEqual(before.subarray(0, at));
    expect(after.subarray(at + ELECTRON_DEFAULTS.length)).toEqual(
      before.subarray(at + ELECTRON_DEFAULTS.length),
    );
  });

  it('names a single fuse switched back on after flipping (e.g. RunAsNode)', async () => {
    const bin = await fakeBinary('one-wrong', ELECTRON_DEFAULTS);
    await flipFuses(bin, FUSES);
    await flipFuses(bin, { version: FUSES.version, [FuseV1Options.RunAsNode]: true });
    expect(await verifyFuses(bin)).toEqual([{ fuse: 'RunAsNode', expected: 'disabled', actual: 'enabled' }]);
  });

  it('refuses to flip a wire with a fuse the policy does not name, and the check reports it', async () => {
    const bin = await fakeBinary('future', [...ELECTRON_DEFAULTS, E]);
    await expect(flipFuses(bin, FUSES)).rejects.toThrow(/strictlyRequireAllFuses/);
    const wire: Record<string, unknown> = { version: '1' };
    [...ELECTRON_DEFAULTS.map((_, i) => (FUSES[i as FuseV1Options] ? E : D)), E].forEach(
      (s, i) => (wire[i] = s),
    );
    expect(checkFuseWire(wire)).toEqual([
      { fuse: '#9', expected: 'disabled', actual: 'enabled (fuse unknown to this policy)' },
    ]);
  });

  it('treats a fuse Electron marked removed as off, never as on, and a missing one as wrong', () => {
    const wire: Record<string, unknown> = { version: '1' };
    ELECTRON_DEFAULTS.forEach((_, i) => (wire[i] = FUSES[i as FuseV1Options] ? E : D));
    wire[FuseV1Options.RunAsNode] = FuseState.REMOVED;
    expect(checkFuseWire(wire)).toEqual([]);
    wire[FuseV1Options.OnlyLoadAppFromAsar] = FuseState.REMOVED;
    delete wire[FuseV1Options.EnableCookieEncryption];
    expect(checkFuseWire(wire)).toEqual([
      { fuse: 'EnableCookieEncryption', expected: 'enabled', actual: 'absent' },
      { fuse: 'OnlyLoadAppFromAsar', expected: 'enabled', actual: 'removed' },
    ]);
  });

  it('fails on a file that has no fuse wire at all', async () => {
    const p = join(dir, 'not-electron');
    await writeFile(p, randomBytes(4096));
    await expect(verifyFuses(p)).rejects.toThrow(/sentinel/);
  });
});
