/**
 * Code signing and notarisation, decided by the environment alone (nothing secret in the repository):
 *
 * macOS (dmg): a Developer ID certificate via electron-builder's CSC_LINK (+ CSC_KEY_PASSWORD) or CSC_NAME
 *   signs with hardened runtime and resources/mac/entitlements.mac.plist; notarisation runs when one of
 *   electron-builder's credential sets is complete: APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER
 *   (recommended), APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID, or APPLE_KEYCHAIN +
 *   APPLE_KEYCHAIN_PROFILE. Without a certificate the app is signed ad hoc ("-"; Apple silicon will not run
 *   unsigned code), without hardened runtime, and never notarised.
 * Windows (NSIS): WIN_CSC_LINK (or CSC_LINK) + WIN_CSC_KEY_PASSWORD signs with signtool; or Azure Trusted
 *   Signing with AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET (read by Microsoft's tooling) plus
 *   FACEVAULT_AZURE_SIGN_ENDPOINT, FACEVAULT_AZURE_SIGN_ACCOUNT, FACEVAULT_AZURE_SIGN_PROFILE and
 *   FACEVAULT_AZURE_SIGN_PUBLISHER. Without either, the installer is unsigned.
 * Linux (AppImage, deb): not code-signed by electron-builder; the release workflow publishes SHA256SUMS.
 *
 * A half-complete credential set is an error, never a silent unsigned build, and
 * FACEVAULT_REQUIRE_SIGNING=1 (set by the release workflow for tagged builds) refuses to produce an
 * unsigned or un-notarised macOS / Windows package.
 */
export class SigningConfigError extends Error {
  override name = 'SigningConfigError';
}

export interface SigningPlan {
  readonly mac: {
    readonly identity: string | undefined;
    readonly signed: boolean;
    readonly notarize: boolean;
  };
  readonly win: {
    readonly signed: boolean;
    readonly azure: null | {
      publisherName: string;
      endpoint: string;
      certificateProfileName: string;
      codeSigningAccountName: string;
    };
  };
  /** Extra environment for electron-builder (e.g. no keychain auto-discovery when nothing was configured). */
  readonly env: Readonly<Record<string, string>>;
  readonly summary: readonly string[];
}

const has = (env: NodeJS.ProcessEnv, k: string) => (env[k] ?? '').trim() !== '';

/** One complete set, none, or an error naming what is missing. */
function completeSet(env: NodeJS.ProcessEnv, what: string, sets: readonly (readonly string[])[]): boolean {
  let complete = false;
  for (const set of sets) {
    const present = set.filter((k) => has(env, k));
    if (present.length === set.length) complete = true;
    else if (present.length > 0)
      throw new SigningConfigError(
        `${what}: ${present.join(', ')} set but ${set.filter((k) => !has(env, k)).join(', ')} missing`,
      );
  }
  return complete;
}

export function signingPlan(env: NodeJS.ProcessEnv = process.env): SigningPlan {
  const macCert = has(env, 'CSC_LINK') || has(env, 'CSC_NAME');
  const notarize = completeSet(env, 'macOS notarisation', [
    ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
    ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
    ['APPLE_KEYCHAIN', 'APPLE_KEYCHAIN_PROFILE'],
  ]);
  if (notarize && !macCert)
    throw new SigningConfigError(
      'macOS notarisation credentials are set but no signing certificate (CSC_LINK or CSC_NAME): Apple notarises only Developer ID-signed apps',
    );
  const winCert = has(env, 'WIN_CSC_LINK') || (has(env, 'CSC_LINK') && has(env, 'WIN_CSC_KEY_PASSWORD'));
  const azureSet = completeSet(env, 'Azure Trusted Signing', [
    [
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_ID',
      'AZURE_CLIENT_SECRET',
      'FACEVAULT_AZURE_SIGN_ENDPOINT',
      'FACEVAULT_AZURE_SIGN_ACCOUNT',
      'FACEVAULT_AZURE_SIGN_PROFILE',
      'FACEVAULT_AZURE_SIGN_PUBLISHER',
    ],
  ]);
  if (winCert && azureSet)
    throw new SigningConfigError(
      'Windows: both a signtool certificate (WIN_CSC_LINK) and Azure Trusted Signing are configured; choose one',
    );
  const azure = azureSet
    ? {
        publisherName: env.FACEVAULT_AZURE_SIGN_PUBLISHER!,
        endpoint: env.FACEVAULT_AZURE_SIGN_ENDPOINT!,
        certificateProfileName: env.FACEVAULT_AZURE_SIGN_PROFILE!,
        codeSigningAccountName: env.FACEVAULT_AZURE_SIGN_ACCOUNT!,
      }
    : null;
  const plan: SigningPlan = {
    mac: { identity: macCert ? undefined : '-', signed: macCert, notarize },
    win: { signed: winCert || azureSet, azure },
    // Without configured credentials, electron-builder must not pick an arbitrary identity from the keychain.
    env: macCert || winCert ? {} : { CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
    summary: [
      `macOS: ${macCert ? 'Developer ID signature (CSC_LINK/CSC_NAME), hardened runtime' : 'ad-hoc signature only (no CSC_LINK/CSC_NAME)'}; ${notarize ? 'notarised' : 'not notarised'}`,
      `Windows: ${azureSet ? 'Azure Trusted Signing' : winCert ? 'signtool certificate (WIN_CSC_LINK)' : 'unsigned (no WIN_CSC_LINK / Azure Trusted Signing)'}`,
      'Linux: AppImage and deb are not code-signed; publish SHA256SUMS',
    ],
  };
  if (env.FACEVAULT_REQUIRE_SIGNING === '1') {
    const missing = [
      !plan.mac.signed && 'macOS signing',
      !plan.mac.notarize && 'macOS notarisation',
      !plan.win.signed && 'Windows signing',
    ].filter(Boolean);
    if (missing.length > 0)
      return { ...plan, summary: [...plan.summary, `REQUIRED but missing: ${missing.join(', ')}`] };
  }
  return plan;
}

/** With FACEVAULT_REQUIRE_SIGNING=1: refuse to package for a platform whose signing is not configured. */
export function assertSigningFor(
  platform: 'linux' | 'win' | 'mac',
  plan: SigningPlan,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (env.FACEVAULT_REQUIRE_SIGNING !== '1') return;
  if (platform === 'mac' && !(plan.mac.signed && plan.mac.notarize))
    throw new SigningConfigError(
      'FACEVAULT_REQUIRE_SIGNING=1: the macOS package needs CSC_LINK/CSC_NAME and notarisation credentials',
    );
  if (platform === 'win' && !plan.win.signed)
    throw new SigningConfigError(
      'FACEVAULT_REQUIRE_SIGNING=1: the Windows installer needs WIN_CSC_LINK or Azure Trusted Signing',
    );
}
