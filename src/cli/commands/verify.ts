/**
 * `facevault verify <bundle> --pub <vendor.pub.json | vendor-keys.json> [--model-key <file>] [--json]`:
 * exit 0 only if the bundle is well-formed and signed by one of the given keys; with --model-key it also
 * decrypts in memory (AEAD tags + plaintext SHA-256) and discards the plaintext. Otherwise a non-zero exit
 * (2 malformed/unsupported, 3 signature/integrity) and one line `CODE: reason`.
 */
import type { Command } from 'commander';
import { decryptBundle, verifyBundle } from '../../main/model/bundle/read-bundle.ts';
import { equalBytes, hex } from '../../main/model/bundle/signature.ts';
import { parseModelKey, parsePinnedVendorKeys } from '../../main/model/key-files.ts';
import { CliError, EXIT, printJson, progress, readInput } from '../cli-support.ts';
import { readSecretKeyFile } from '../secret-key-file.ts';

interface VerifyOpts {
  pub: string;
  modelKey?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check a bundle is intact and signed by the given vendor key')
    .argument('<bundle>', 'bundle file')
    .requiredOption('--pub <file>', 'vendor public key file or vendor key list')
    .option('--model-key <file>', 'also decrypt in memory and check integrity with this model key file')
    .option('--json', 'print the result as JSON')
    .action((bundlePath: string, o: VerifyOpts) => {
      const pinned = parsePinnedVendorKeys(readInput(o.pub, 'vendor public key', 64 * 1024));
      const data = readInput(bundlePath, 'bundle', undefined, 'bundle');
      const v = verifyBundle(data, pinned);
      let decrypted = false;
      if (o.modelKey !== undefined) {
        const mk = parseModelKey(readSecretKeyFile(o.modelKey, 'model key'));
        try {
          if (!equalBytes(mk.keyId, v.header.keyId)) {
            throw new CliError(
              EXIT.BAD_INPUT,
              'KEY_MISMATCH',
              `model key ${hex(mk.keyId)} is not this bundle's key ${hex(v.header.keyId)}`,
            );
          }
          const bar = progress('decrypt', o.json !== true);
          try {
            decryptBundle(v, mk.modelKey, { onProgress: bar.tick }).fill(0);
          } finally {
            bar.stop();
          }
          decrypted = true;
        } finally {
          mk.modelKey.fill(0);
        }
      }
      const r = {
        ok: true,
        modelId: v.header.modelId,
        modelVersion: v.header.modelVersion,
        family: v.header.family,
        signerKeyId: hex(v.signer.keyId),
        digestSha256: hex(v.digest),
        decrypted,
      };
      if (o.json) printJson(r);
      else {
        process.stdout.write(
          `OK: ${r.modelId} ${r.modelVersion} (${r.family}) signed by ${r.signerKeyId}${decrypted ? '; decrypted and integrity-checked' : ''}\n`,
        );
      }
      process.exitCode = EXIT.OK;
    });
}
