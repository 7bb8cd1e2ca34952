/**
 * The Electron fuses every FaceVault package ships with, and the check that reads them back.
 *
 * Fuses are bits in the Electron binary ("fuse wire", found after the sentinel
 * `dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX`; see https://www.electronjs.org/docs/latest/tutorial/fuses) that
 * switch features off before the binary is signed, so no command line, environment variable or later
 * edit of the app's JavaScript can switch them on again without breaking the signature:
 *   - RunAsNode off: `ELECTRON_RUN_AS_NODE=1 FaceVault` cannot turn the app into a plain Node runtime
 *     that reads our process's keys;
 *   - NODE_OPTIONS off and the `--inspect*` arguments off: no `--require` preload and no debugger port;
 *   - embedded ASAR integrity on (macOS, and Windows since Electron 30; Linux has no such check, see
 *     SECURITY.md) and only-load-app-from-ASAR on: the app code is the signed archive, nothing else;
 *   - cookie encryption on: Chromium's cookie store is encrypted with the OS key store;
 *   - file:// extra privileges off: the renderer is served from app://facevault, never file://.
 * `strictlyRequireAllFuses` makes @electron/fuses refuse a binary whose wire has a fuse this policy does
 * not name (a newer Electron), so every new fuse is a decision, not a default.
 *
 * The check (`checkFuseWire`, `verifyFuses`) reads the wire back from a packaged binary with
 * @electron/fuses' own reader and compares every fuse: the build flips, this reads, independently.
 */
import {
  FuseState,
  FuseV1Options,
  FuseVersion,
  getCurrentFuseWire,
  type FuseV1Config,
} from '@electron/fuses';

/** The policy as @electron/fuses takes it (one entry per fuse of the V1 wire). */
export const FUSES = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // No custom V8 snapshot for the browser process: the default snapshot is what Electron ships and signs.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  // WebAssembly trap handlers stay Electron's default (on): onnxruntime-node is native, not WASM.
  [FuseV1Options.WasmTrapHandlers]: true,
} as const satisfies FuseV1Config;

/** Fuses whose value is a security property (the list); the other two are recorded defaults. */
export const SECURITY_FUSES: readonly FuseV1Options[] = [
  FuseV1Options.RunAsNode,
  FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  FuseV1Options.EnableNodeCliInspectArguments,
  FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  FuseV1Options.OnlyLoadAppFromAsar,
  FuseV1Options.EnableCookieEncryption,
  FuseV1Options.GrantFileProtocolExtraPrivileges,
];

export interface FuseMismatch {
  readonly fuse: string;
  readonly expected: 'enabled' | 'disabled';
  readonly actual: string;
}

const stateName = (s: number | undefined): string =>
  s === FuseState.ENABLE
    ? 'enabled'
    : s === FuseState.DISABLE
      ? 'disabled'
      : s === FuseState.REMOVED
        ? 'removed'
        : s === undefined
          ? 'absent'
          : `unknown (${s})`;

/**
 * Compares a wire read from a binary with the policy. A removed or absent fuse that the policy wants
 * switched on is a mismatch; one the policy wants off counts as off only when the wire says "removed"
 * (Electron removed the feature), never when it is absent.
 */
export function checkFuseWire(wire: Readonly<Record<string, unknown>>): FuseMismatch[] {
  const out: FuseMismatch[] = [];
  if (wire.version !== FuseVersion.V1)
    return [{ fuse: 'version', expected: 'enabled', actual: `wire version ${String(wire.version)}` }];
  for (const key of Object.keys(FuseV1Options).filter((k) => /^\d+$/.test(k))) {
    const index = Number(key) as FuseV1Options;
    const want = FUSES[index];
    const got = wire[key] as number | undefined; // the wire maps each index to a FuseState byte
    const ok = want ? got === FuseState.ENABLE : got === FuseState.DISABLE || got === FuseState.REMOVED;
    if (!ok)
      out.push({
        fuse: FuseV1Options[index],
        expected: want ? 'enabled' : 'disabled',
        actual: stateName(got),
      });
  }
  for (const key of Object.keys(wire)) {
    if (key === 'version' || key === 'resetAdHocDarwinSignature' || key === 'strictlyRequireAllFuses')
      continue;
    if (FuseV1Options[Number(key)] === undefined)
      out.push({
        fuse: `#${key}`,
        expected: 'disabled',
        actual: `${stateName(wire[key] as number)} (fuse unknown to this policy)`,
      });
  }
  return out;
}

/** Reads the fuse wire of a packaged binary (Linux executable, Windows .exe, or macOS .app) and checks it. */
export async function verifyFuses(binaryPath: string): Promise<FuseMismatch[]> {
  const wire = await getCurrentFuseWire(binaryPath);
  return checkFuseWire(wire);
}

export const describeMismatches = (m: readonly FuseMismatch[]): string =>
  m.map((x) => `${x.fuse}: expected ${x.expected}, found ${x.actual}`).join('; ');
