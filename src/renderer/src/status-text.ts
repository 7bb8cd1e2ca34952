/** The words the status line uses for the app's integrity and signing state (AppStatus). */
import type { AppIntegrity, AppStatus } from '../../shared/ipc-contract.ts';

export const FILES_TEXT: Record<AppIntegrity['state'], string> = {
  checking: 'checking',
  'sealed-ok': 'verified',
  unsealed: 'unsealed (dev)',
  tampered: 'DAMAGED',
};

export const SIGNING_TEXT: Record<AppStatus['signing'], string> = {
  release: 'release signing key',
  development: 'development signing key',
};

/** The one-line status shown in the header. */
export const statusLine = (s: AppStatus): string =>
  `v${s.appVersion} · models: ${s.models} · key store: ${s.keyStore} · app files: ${FILES_TEXT[s.appIntegrity.state]} · ${SIGNING_TEXT[s.signing]}`;
