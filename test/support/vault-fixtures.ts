/**
 * Builds the vault concern the way main does (auth-state store → vault → face decisions) over a temp dir,
 * with either the real TPM NV counter (swtpm) or no anchor (keychain machines), plus synthetic face
 * embeddings: each "person" is a random unit vector; their frames are small perturbations of it, so the
 * real matcher (face/match.ts) accepts the person and rejects everyone else. Scrypt runs at N = 2^12 here
 * (the shipped N = 2^17 is measured by bench/kdf.ts) so that each test stays fast.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createAuthStateStore } from '../../src/main/vault/auth-state-store.ts';
import { FaceDecisions } from '../../src/main/auth/face-decisions.ts';
import { createTpmNvCounter } from '../../src/main/keys/tpm/tools-nv-counter.ts';
import { createVault, type Vault } from '../../src/main/vault/vault.ts';
import { NO_ANCHOR, type VersionAnchor } from '../../src/main/vault/version-anchor.ts';
import type { FrameAnalysis } from '../../src/main/face/pipeline.ts';

export const OWNER_PASSPHRASE = 'marble otter quietly juggles ninety lanterns';
export const TEST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 } as const;
export const STATE_FILE = 'auth-state.json';

export interface DeviceFixture {
  readonly dir: string;
  /** The device-derived keys (same bytes across restarts of one "device"). */
  readonly keys: {
    readonly mac: Uint8Array;
    readonly wrap: Uint8Array;
    readonly template: Uint8Array;
    readonly seed: Uint8Array;
  };
  readonly tcti: string | null;
}

export function newDevice(dir: string, tcti: string | null): DeviceFixture {
  const k = () => new Uint8Array(randomBytes(32));
  return { dir, keys: { mac: k(), wrap: k(), template: k(), seed: k() }, tcti };
}

export interface Running {
  readonly vault: Vault;
  readonly face: FaceDecisions;
  readonly anchor: VersionAnchor;
  clock: { now: number };
  close(): void;
}

/** One "app start" on this device: a fresh store, vault and face decisions (nothing cached from before). */
export function startApp(d: DeviceFixture, clock = { now: 1_000_000 }, threshold = 0.5): Running {
  const anchor = d.tcti ? createTpmNvCounter({ tcti: d.tcti, seed: d.keys.seed }) : NO_ANCHOR;
  const store = createAuthStateStore({
    file: join(d.dir, STATE_FILE),
    macKey: d.keys.mac,
    anchor,
    now: () => clock.now,
  });
  const vault = createVault({ store, deviceWrapKey: d.keys.wrap, now: () => clock.now, scrypt: TEST_SCRYPT });
  const face = new FaceDecisions({
    vault,
    templateKey: d.keys.template,
    threshold,
    now: () => clock.now,
  });
  return {
    vault,
    face,
    anchor,
    clock,
    close() {
      face.close();
      vault.close();
    },
  };
}

const unit = (v: Float32Array): Float32Array => {
  let n = 0;
  for (const x of v) n += x * x;
  const k = 1 / Math.sqrt(n);
  return v.map((x) => x * k);
};

export interface Person {
  readonly name: string;
  readonly base: Float32Array;
}

export function person(name: string, dim = 128): Person {
  const b = new Float32Array(dim);
  const r = randomBytes(dim * 2);
  for (let i = 0; i < dim; i++) b[i] = (r.readUInt16LE(i * 2) / 65535) * 2 - 1;
  return { name, base: unit(b) };
}

/** One embedding of this person's face (small noise around their base). */
export function embedding(p: Person): Float32Array {
  const r = randomBytes(p.base.length);
  return unit(p.base.map((x, i) => x + ((r[i]! / 255) * 2 - 1) * 0.05));
}

const timings = { detectMs: 0, qualityMs: 0, livenessMs: 0, embedMs: 0 };
const box = { x1: 0, y1: 0, x2: 100, y2: 100, score: 1, landmarks: new Float32Array(10) };

/** The frames of one unlock attempt by this person (good quality, live). */
export function attemptFrames(p: Person, n = 5): FrameAnalysis[] {
  return Array.from({ length: n }, () => ({
    faces: [box],
    primary: box,
    quality: { ok: true, reasons: [] },
    embedding: embedding(p),
    liveness: { liveScore: 0.99, perModel: [0.99] },
    timings,
  }));
}

export const enrolmentOf = (p: Person): Float32Array[] => Array.from({ length: 5 }, () => embedding(p));
