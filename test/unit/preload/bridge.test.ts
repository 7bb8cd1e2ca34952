/**
 * The preload bridge (src/preload/bridge.ts): exactly the contract's named functions, frozen; each maps to its
 * one channel, ignores anything extra the page passes, and hands main's Result back unchanged; submitFrame
 * forwards only a validated copy (validate-frame.ts). The Electron wiring (index.ts) is one contextBridge call,
 * exercised in the browser e2e tests.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_MAX_HEIGHT, FRAME_MAX_WIDTH, FRAME_MIN_SIDE } from '../../../src/shared/frame-limits.ts';
import { IPC_CHANNELS, type FaceVaultBridge } from '../../../src/shared/ipc-contract.ts';
import { createBridge, type Invoke } from '../../../src/preload/bridge.ts';
import { checkFramePixels, copyFrameMeta } from '../../../src/preload/validate-frame.ts';

function spy(reply: unknown = { ok: true, value: 'main says' }) {
  const calls: Array<{ channel: string; args: unknown[] }> = [];
  const invoke = ((channel: string, ...args: unknown[]) => {
    calls.push({ channel, args });
    return Promise.resolve(reply);
  }) as Invoke;
  return { bridge: createBridge(invoke), calls };
}

const NO_ARG: ReadonlyArray<[keyof FaceVaultBridge, string]> = [
  ['getStatus', 'app:get-status'],
  ['getEnrolment', 'face:get-enrolment'],
  ['startEnrolment', 'face:start-enrolment'],
  ['startUnlock', 'face:start-unlock'],
  ['cancel', 'face:cancel'],
  ['deleteEnrolment', 'face:delete-enrolment'],
  ['awaitDecision', 'face:await-decision'],
  ['getVaultStatus', 'vault:get-status'],
  ['lockVault', 'vault:lock'],
  ['getSettings', 'settings:get'],
];

describe('preload bridge', () => {
  it('is a frozen object of exactly the contract functions, one per channel', () => {
    const { bridge } = spy();
    expect(Object.isFrozen(bridge)).toBe(true);
    // One named function per contract channel, nothing else (the vault's functions with arguments are
    // covered by the vault's own tests).
    expect(Object.keys(bridge)).toHaveLength(IPC_CHANNELS.length);
    for (const v of Object.values(bridge)) expect(typeof v).toBe('function');
    for (const [fn, channel] of NO_ARG) {
      expect(Object.keys(bridge)).toContain(fn);
      expect(IPC_CHANNELS).toContain(channel);
    }
    expect(() => {
      (bridge as unknown as Record<string, unknown>).invoke = () => {};
    }).toThrow(TypeError);
  });

  it.each(NO_ARG)(
    '%s calls %s with no arguments, whatever the page passes, and returns main’s result',
    async (fn, channel) => {
      const { bridge, calls } = spy({ ok: false, error: { code: 'IPC_BUSY', message: 'busy' } });
      const call = bridge[fn] as (...a: unknown[]) => Promise<unknown>;
      const r = await call('extra', { huge: new Array(1000) }, () => 'fn');
      expect(calls).toEqual([{ channel, args: [] }]);
      expect(r).toEqual({ ok: false, error: { code: 'IPC_BUSY', message: 'busy' } });
    },
  );

  it('submitFrame forwards a copy of the meta and the same buffer, and returns main’s result', async () => {
    const { bridge, calls } = spy({ ok: true, value: { frameNumber: 1 } });
    const meta = { width: 640, height: 480, format: 'rgba8' as const, timestampMs: 12.5 };
    const pixels = new ArrayBuffer(640 * 480 * 4);
    expect(await bridge.submitFrame(meta, pixels)).toEqual({ ok: true, value: { frameNumber: 1 } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.channel).toBe('camera:submit-frame');
    expect(calls[0]!.args[0]).toEqual(meta);
    expect(calls[0]!.args[0]).not.toBe(meta);
    expect(calls[0]!.args[1]).toBe(pixels);
  });

  it('a rejected invoke (transport failure) reaches the caller as a rejection', async () => {
    const bridge = createBridge(() => Promise.reject(new Error('gone')));
    await expect(bridge.getStatus()).rejects.toThrow('gone');
  });
});

describe('frame validation in the preload', () => {
  const ok = { width: 640, height: 480, format: 'rgba8', timestampMs: 0 };
  it('accepts the bounds exactly and refuses one past them', () => {
    for (const [w, hgt] of [
      [FRAME_MIN_SIDE, FRAME_MIN_SIDE],
      [FRAME_MAX_WIDTH, FRAME_MAX_HEIGHT],
    ]) {
      expect(copyFrameMeta({ ...ok, width: w, height: hgt })).toEqual({ ...ok, width: w, height: hgt });
    }
    for (const bad of [
      { ...ok, width: FRAME_MIN_SIDE - 1 },
      { ...ok, width: FRAME_MAX_WIDTH + 1 },
      { ...ok, height: FRAME_MAX_HEIGHT + 1 },
      { ...ok, width: Number.POSITIVE_INFINITY },
      { ...ok, timestampMs: Number.POSITIVE_INFINITY },
    ]) {
      expect(typeof copyFrameMeta(bad)).toBe('string');
    }
  });

  it('camera (issue 12): exactly { deviceId, label } of bounded strings is copied, anything else refused', () => {
    const camera = { deviceId: 'd'.repeat(256), label: 'Integrated Camera' };
    const copied = copyFrameMeta({ ...ok, camera });
    expect(copied).toEqual({ ...ok, camera });
    expect(typeof copied !== 'string' && copied.camera).not.toBe(camera); // a fresh object
    for (const bad of [
      { deviceId: 'd'.repeat(257), label: 'x' },
      { deviceId: 'd', label: 'x'.repeat(257) },
      { deviceId: 1, label: 'x' },
      { deviceId: 'd' },
      { deviceId: 'd', label: 'x', extra: 1 },
      'cam',
      null,
      [],
    ]) {
      expect(typeof copyFrameMeta({ ...ok, camera: bad }), JSON.stringify(bad)).toBe('string');
    }
  });

  it('ignores the prototype: inherited fields do not count, own extra fields are refused', () => {
    const inherited = Object.create({ width: 640, height: 480, format: 'rgba8', timestampMs: 0 }) as object;
    expect(typeof copyFrameMeta(inherited)).toBe('string');
    expect(typeof copyFrameMeta({ ...ok, __proto__: { x: 1 } })).not.toBe('string');
    expect(typeof copyFrameMeta({ ...ok, toString: 'x' })).toBe('string');
  });

  it('pixels: exactly width × height × 4 bytes of an ArrayBuffer', () => {
    const m = { width: 64, height: 64, format: 'rgba8' as const, timestampMs: 0 };
    expect(checkFramePixels(m, new ArrayBuffer(64 * 64 * 4))).toBeNull();
    expect(checkFramePixels(m, new ArrayBuffer(64 * 64 * 4 + 1))).toMatch(/exactly 16384 bytes/);
    expect(checkFramePixels(m, new SharedArrayBuffer(64 * 64 * 4))).toMatch(/ArrayBuffer/);
    expect(checkFramePixels(m, new Uint8ClampedArray(64 * 64 * 4))).toMatch(/ArrayBuffer/);
  });
});
