/**
 * `facevault license issue --key <vendor.key.json> --device <device.pub.json> --model <bundle>
 *    --model-key <bundle.modelkey.json> --out <file> [--expires <ISO|nd>]` — wraps the bundle's model key to
 * one device and signs it. Checks first that the bundle is signed by this vendor key and that the model key
 * file belongs to the bundle (key id), so a licence can never unlock the wrong model.
 * `facevault license inspect <file> [--pub <vendor pub>] [--json]` — prints fields; with --pub also
 * verifies the signature (exit 3 on failure).
 */
import type { Command } from 'commander';
import { verifyBundle } from '../../main/model/bundle/read-bundle.ts';
import {
  equalBytes,
  findPinnedKey,
  hex,
  pinVendorKey,
  verifyLicenseSignature,
} from '../../main/model/bundle/signature.ts';
import {
  parseDevicePublicKey,
  parseModelKey,
  parsePinnedVendorKeys,
  parseVendorSecretKey,
} from '../../main/model/key-files.ts';
import { LicenseInvalidError } from '../../main/model/license/errors.ts';
import { KIND_VENDOR, parseLicense } from '../../main/model/license/license-format.ts';
import { issueLicense } from '../vendor/issue-license.ts';
import { CliError, EXIT, printJson, readInput, writeOutput } from '../cli-support.ts';
import { readSecretKeyFile } from '../secret-key-file.ts';
import { parseExpiry } from './pack.ts';

interface IssueOpts {
  key: string;
  device: string;
  model: string;
  modelKey: string;
  out: string;
  expires?: string;
  force?: boolean;
  json?: boolean;
}

export function registerLicense(program: Command): void {
  const lic = program.command('license').description('issue and inspect device licences');
  lic
    .command('issue')
    .description("issue a licence binding a bundle's model key to one device")
    .requiredOption('--key <file>', 'vendor secret key file')
    .requiredOption('--device <file>', 'device public key file (facevault/device-public-key)')
    .requiredOption('--model <bundle>', 'the bundle the licence unlocks')
    .requiredOption('--model-key <file>', 'model key file written by pack (0600)')
    .requiredOption('--out <file>', 'licence to write')
    .option('--expires <when>', 'expiry: ISO date or <n>d (default: never)')
    .option('--force', 'overwrite the output')
    .option('--json', 'print the result as JSON')
    .action((o: IssueOpts) => {
      const vendor = parseVendorSecretKey(readSecretKeyFile(o.key, 'vendor key'));
      const mk = parseModelKey(readSecretKeyFile(o.modelKey, 'model key'));
      try {
        const device = parseDevicePublicKey(readInput(o.device, 'device key', 64 * 1024));
        const v = verifyBundle(readInput(o.model, 'bundle', undefined, 'bundle'), [
          pinVendorKey(vendor.publicKey),
        ]);
        if (!equalBytes(mk.keyId, v.header.keyId)) {
          throw new CliError(
            EXIT.BAD_INPUT,
            'KEY_MISMATCH',
            `model key ${hex(mk.keyId)} is not the key of ${o.model} (${hex(v.header.keyId)})`,
          );
        }
        const expiresAt = parseExpiry(o.expires);
        const bytes = issueLicense({
          modelKey: mk.modelKey,
          keyId: v.header.keyId,
          modelId: v.header.modelId,
          devicePublicKey: device,
          vendorSecretKey: vendor.secretKey,
          expiresAt,
        });
        writeOutput(o.out, bytes, { force: o.force === true });
        const r = {
          licence: o.out,
          modelId: v.header.modelId,
          keyId: hex(v.header.keyId),
          device: hex(device),
          expiresAt,
        };
        if (o.json) printJson(r);
        else
          process.stdout.write(
            `issued ${o.out} for ${r.modelId} to device ${r.device.slice(0, 16)}…${expiresAt ? ` until ${new Date(expiresAt * 1000).toISOString()}` : ''}\n`,
          );
      } finally {
        mk.modelKey.fill(0);
        vendor.secretKey.fill(0);
      }
    });
  lic
    .command('inspect')
    .description('show licence fields (with --pub: also verify its signature)')
    .argument('<file>', 'licence file')
    .option('--pub <file>', 'vendor public key file or key list to verify against')
    .option('--json', 'print as JSON')
    .action((file: string, o: { pub?: string; json?: boolean }) => {
      const l = parseLicense(readInput(file, 'licence', 4096));
      let signature: string =
        l.kind === KIND_VENDOR ? 'not checked' : 'none (device licence, AEAD-authenticated)';
      if (o.pub !== undefined && l.kind === KIND_VENDOR) {
        const pinned = parsePinnedVendorKeys(readInput(o.pub, 'vendor public key', 64 * 1024));
        const k = findPinnedKey(pinned, l.signerKeyId);
        if (!k || !verifyLicenseSignature(l.signedBytes, l.signature, k.publicKey)) {
          throw new LicenseInvalidError('licence signature does not verify with the given key');
        }
        signature = 'valid';
      }
      const r = {
        kind: l.kind === KIND_VENDOR ? 'vendor' : 'device',
        modelId: l.modelId,
        keyId: hex(l.keyId),
        issuedAt: new Date(l.issuedAt * 1000).toISOString(),
        expiresAt: l.expiresAt === 0 ? null : new Date(l.expiresAt * 1000).toISOString(),
        ...(l.kind === KIND_VENDOR
          ? { device: hex(l.devicePublicKey), signerKeyId: hex(l.signerKeyId) }
          : {}),
        signature,
      };
      if (o.json) printJson(r);
      else for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(12)} ${String(v)}\n`);
    });
}
