/**
 * `facevault keygen --out <dir> [--kind vendor|device] [--force]`: creates a key pair as type-tagged JSON.
 * vendor: Ed25519 signing pair (vendor.key.json 0600, vendor.pub.json). device: X25519 pair for the demo
 * licence's bootstrap identity or for tests (device.key.json 0600, device.pub.json).
 * The output directory, when created, is 0700 whatever the umask; private key files are 0600.
 * Refuses to overwrite either file without --force. Prints paths and the key id, never key bytes.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hex, vendorKeyId } from '../../main/model/bundle/signature.ts';
import {
  encodeDevicePublicKey,
  encodeDeviceSecretKey,
  encodeVendorPublicKey,
  encodeVendorSecretKey,
} from '../../main/model/key-files.ts';
import { CliError, EXIT, printJson, refuseOverwrite, writeOutput } from '../cli-support.ts';
import { makeKeyDir } from '../secret-key-file.ts';

interface KeygenOpts {
  out: string;
  kind: string;
  force?: boolean;
  json?: boolean;
}

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('create a vendor Ed25519 signing key pair (or a device X25519 pair with --kind device)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--kind <kind>', 'vendor | device', 'vendor')
    .option('--force', 'overwrite existing key files')
    .option('--json', 'print the result as JSON')
    .action((o: KeygenOpts) => {
      if (o.kind !== 'vendor' && o.kind !== 'device')
        throw new CliError(EXIT.USAGE, 'USAGE', '--kind must be vendor or device');
      makeKeyDir(o.out); // 0700 whatever the umask when created
      const priv = join(o.out, `${o.kind}.key.json`);
      const pub = join(o.out, `${o.kind}.pub.json`);
      const force = o.force === true;
      refuseOverwrite(priv, force);
      refuseOverwrite(pub, force);
      let keyId = '';
      if (o.kind === 'vendor') {
        const kp = ed25519.keygen();
        try {
          writeOutput(priv, encodeVendorSecretKey(kp.secretKey), { force, secret: true });
          writeOutput(pub, encodeVendorPublicKey(kp.publicKey), { force });
          keyId = hex(vendorKeyId(kp.publicKey));
        } finally {
          kp.secretKey.fill(0);
        }
      } else {
        const kp = x25519.keygen();
        try {
          writeOutput(priv, encodeDeviceSecretKey(kp.secretKey), { force, secret: true });
          writeOutput(pub, encodeDevicePublicKey(kp.publicKey), { force });
        } finally {
          kp.secretKey.fill(0);
        }
      }
      if (o.json)
        printJson({ kind: o.kind, privateKeyFile: priv, publicKeyFile: pub, ...(keyId ? { keyId } : {}) });
      else process.stdout.write(`wrote ${priv} (mode 0600) and ${pub}${keyId ? `; key id ${keyId}` : ''}\n`);
    });
}
