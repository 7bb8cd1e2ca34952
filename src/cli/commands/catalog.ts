/**
 * `facevault catalog sign <dir> --key <vendor.key.json> [--json]` — signs the model catalog in <dir>: reads
 * its catalog.json (version 1 or 2, signed or not: the vendor's own listing of roles, bundles, demo
 * licences), checks every listed bundle is signed by this vendor key, pins each bundle's digest and writes a
 * version-2 catalog.json plus catalog.json.sig (docs/catalog-format.md). Re-run it after replacing a bundle.
 * `facevault catalog verify <dir> --pub <vendor.pub.json | vendor-keys.json> [--json]` — what the app checks
 * at start: the catalog signature by one of the given keys, then every bundle's signature and pinned digest.
 * Exit codes as everywhere (cli-support.ts): 0 ok, 2 malformed input, 3 signature / digest failure.
 * Never prints key material.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { z } from 'zod';
import { hex } from '../../main/model/bundle/signature.ts';
import { signCatalogDir } from '../vendor/catalog-builder.ts';
import { parsePinnedVendorKeys, parseVendorSecretKey } from '../../main/model/key-files.ts';
import { verifyBundleFile } from '../../main/model/load-model.ts';
import {
  BundleNotInCatalogError,
  CATALOG_FILE,
  CATALOG_MAX_BYTES,
  MODEL_ROLES,
  readCatalog,
} from '../../main/model/model-catalog.ts';
import { CliError, EXIT, printJson, readInput } from '../cli-support.ts';
import { readSecretKeyFile } from '../secret-key-file.ts';

/** The vendor's listing: field shapes only; signCatalogDir applies the full catalog rules before writing. */
const listing = z.object({
  type: z.literal('facevault/model-catalog'),
  version: z.union([z.literal(1), z.literal(2)]),
  bootstrapKey: z.string().optional(),
  models: z
    .array(
      z.object({
        role: z.enum(MODEL_ROLES),
        bundle: z.string(),
        demoLicence: z.string().optional(),
        sha256: z.string().optional(),
      }),
    )
    .max(8),
});

export function registerCatalog(program: Command): void {
  const cat = program
    .command('catalog')
    .description('sign and verify a model catalog (catalog.json + catalog.json.sig)');
  cat
    .command('sign')
    .description("pin every bundle's digest and sign the catalog in <dir> with the vendor key")
    .argument('<dir>', 'catalog directory holding catalog.json and the bundles')
    .requiredOption('--key <file>', 'vendor secret key file')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, o: { key: string; json?: boolean }) => {
      const text = readInput(join(dir, CATALOG_FILE), 'catalog', CATALOG_MAX_BYTES);
      let raw: unknown;
      try {
        raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
      } catch {
        throw new CliError(EXIT.BAD_INPUT, 'MODEL_CATALOG_INVALID', `${join(dir, CATALOG_FILE)} is not JSON`);
      }
      const l = listing.safeParse(raw);
      if (!l.success) {
        const issue = l.error.issues[0];
        throw new CliError(
          EXIT.BAD_INPUT,
          'MODEL_CATALOG_INVALID',
          `${CATALOG_FILE}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
        );
      }
      const vendor = parseVendorSecretKey(readSecretKeyFile(o.key, 'vendor key'));
      try {
        const content = {
          ...(l.data.bootstrapKey === undefined ? {} : { bootstrapKey: l.data.bootstrapKey }),
          models: l.data.models.map((m) => ({
            role: m.role,
            bundle: m.bundle,
            ...(m.demoLicence === undefined ? {} : { demoLicence: m.demoLicence }),
          })),
        };
        const c = await signCatalogDir(dir, content, vendor.secretKey);
        const r = {
          ok: true,
          catalog: join(dir, CATALOG_FILE),
          signerKeyId: c.signerKeyId,
          catalogSha256: c.catalogSha256,
          models: c.models.map((m) => ({ role: m.role, bundle: m.bundle, sha256: m.sha256 })),
        };
        if (o.json) printJson(r);
        else
          process.stdout.write(
            `signed ${r.catalog} (${r.models.map((m) => `${m.role}=${m.bundle}`).join(', ')}) with ${r.signerKeyId}\n`,
          );
      } finally {
        vendor.secretKey.fill(0);
      }
    });
  cat
    .command('verify')
    .description("check the catalog signature, then every bundle's signature and pinned digest")
    .argument('<dir>', 'catalog directory')
    .requiredOption('--pub <file>', 'vendor public key file or vendor key list')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, o: { pub: string; json?: boolean }) => {
      const pinned = parsePinnedVendorKeys(readInput(o.pub, 'vendor public key', 64 * 1024));
      const c = await readCatalog(dir, pinned);
      const models = [];
      for (const m of c.models) {
        const v = await verifyBundleFile(join(dir, m.bundle), pinned);
        if (hex(v.digest) !== m.sha256) {
          throw new BundleNotInCatalogError(
            `${m.role} bundle ${m.bundle} is not the one the signed catalog names: replaced or rolled back`,
          );
        }
        models.push({
          role: m.role,
          bundle: m.bundle,
          modelId: v.header.modelId,
          modelVersion: v.header.modelVersion,
          sha256: m.sha256,
        });
      }
      const r = { ok: true, signerKeyId: c.signerKeyId, catalogSha256: c.catalogSha256, models };
      if (o.json) printJson(r);
      else
        process.stdout.write(
          `OK: catalog signed by ${r.signerKeyId}; ${models.map((m) => `${m.role}=${m.modelId} ${m.modelVersion}`).join(', ')}\n`,
        );
      process.exitCode = EXIT.OK;
    });
}
