/**
 * The vault:* and settings:* channels: schema, bounds and handler of each (see channels.ts for the others).
 * Passphrase channels are exclusive (one in flight per sender) and slow by design (one scrypt each, plus the
 * persisted back-off inside the vault), so their token bucket is small. Replies are VaultStatus /
 * AppSettings only: the vault key never crosses IPC.
 */
import type { Vault } from '../vault/vault.ts';
import type { ChannelSpecs } from './router.ts';
import { requestSchemas } from './schemas.ts';

type VaultChannel = Extract<keyof ChannelSpecs, `vault:${string}` | `settings:${string}`>;

/** A passphrase is at most PASSPHRASE_MAX_LENGTH characters (≤ 4 bytes each in UTF-8) plus framing. */
const passphraseCall = {
  maxBytes: 2 * 4 * 256 + 64,
  rate: { perSecond: 1, burst: 3 },
  exclusive: true,
} as const;
const control = { maxBytes: 256, rate: { perSecond: 5, burst: 5 }, exclusive: true } as const;

export function vaultChannelSpecs(deps: {
  readonly vault: () => Promise<Vault>;
}): Pick<ChannelSpecs, VaultChannel> {
  return {
    'vault:get-status': {
      schema: requestSchemas['vault:get-status'],
      maxBytes: 64,
      rate: { perSecond: 10, burst: 10 },
      exclusive: false,
      handler: async () => (await deps.vault()).status(),
    },
    'vault:setup': {
      schema: requestSchemas['vault:setup'],
      ...passphraseCall,
      handler: async ([p]) => (await deps.vault()).setup(p),
    },
    'vault:unlock-passphrase': {
      schema: requestSchemas['vault:unlock-passphrase'],
      ...passphraseCall,
      handler: async ([p]) => (await deps.vault()).unlockWithPassphrase(p),
    },
    'vault:prove-owner': {
      schema: requestSchemas['vault:prove-owner'],
      ...passphraseCall,
      handler: async ([p]) => (await deps.vault()).proveOwner(p),
    },
    'vault:lock': {
      schema: requestSchemas['vault:lock'],
      ...control,
      handler: async () => {
        const v = await deps.vault();
        v.lock('user');
        return v.status();
      },
    },
    'vault:change-passphrase': {
      schema: requestSchemas['vault:change-passphrase'],
      ...passphraseCall,
      handler: async ([current, next]) => (await deps.vault()).changePassphrase(current, next),
    },
    'settings:get': {
      schema: requestSchemas['settings:get'],
      ...control,
      exclusive: false,
      handler: async () => (await deps.vault()).getSettings(),
    },
    'settings:set': {
      schema: requestSchemas['settings:set'],
      ...control,
      handler: async ([patch]) => (await deps.vault()).setSettings(patch),
    },
  };
}
