/**
 * `facevault inspect <bundle> [--json]`: prints the header fields (structure-checked, signature NOT
 * checked — use verify). Shows identifiers (key id, signer key id, nonce base, plaintext SHA-256) but no
 * secret: a bundle contains none in the clear.
 */
import type { Command } from 'commander';
import { parseBundle } from '../../main/model/bundle/read-bundle.ts';
import type { BundleHeader } from '../../main/model/bundle/header.ts';
import { hex } from '../../main/model/bundle/signature.ts';
import { printJson, readInput } from '../cli-support.ts';

export function headerSummary(h: BundleHeader, fileSize: number): Record<string, unknown> {
  return {
    formatVersion: h.formatVersion,
    aead: h.aeadAlg === 1 ? 'xchacha20poly1305-stream' : h.aeadAlg,
    signature: h.sigAlg === 1 ? 'ed25519(sha256(header||body))' : h.sigAlg,
    plaintextHash: h.hashAlg === 1 ? 'sha256' : h.hashAlg,
    modelId: h.modelId,
    modelVersion: h.modelVersion,
    family: h.family,
    descriptor: h.descriptor,
    plaintextSize: h.plaintextSize,
    plaintextSha256: hex(h.plaintextSha256),
    chunkSize: h.chunkSize,
    chunkCount: h.chunkCount,
    keyId: hex(h.keyId),
    signerKeyId: hex(h.signerKeyId),
    nonceBase: hex(h.nonceBase),
    headerLength: h.headerLength,
    bodyLength: h.bodyLength,
    fileSize,
    signatureChecked: false,
  };
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show bundle header fields (no secrets; signature not checked)')
    .argument('<bundle>', 'bundle file')
    .option('--json', 'print as JSON')
    .action((bundlePath: string, o: { json?: boolean }) => {
      const data = readInput(bundlePath, 'bundle', undefined, 'bundle');
      const s = headerSummary(parseBundle(data).header, data.length);
      if (o.json) printJson(s);
      else {
        for (const [k, v] of Object.entries(s))
          process.stdout.write(`${k.padEnd(18)} ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
      }
    });
}
