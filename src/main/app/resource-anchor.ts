/**
 * The one value that ties the sealed resource manifest (out/resource-manifest.json, written by
 * scripts/seal-resources.ts) to the main process's own code. In source and in an unsealed build it is a
 * 64-character placeholder; `seal-resources` replaces that literal, in the built main entry only, with the
 * manifest's SHA-256 (also 64 characters, so the file size does not change). The manifest is therefore
 * exactly as trustworthy as main's code, which a packaged app anchors with Electron's ASAR-integrity fuse
 * and OS code signing; nothing in software defends against someone who can rewrite main itself.
 *
 * Keep the placeholder a single string literal, referenced once: the sealer refuses a main entry in which
 * it does not occur exactly once, and refuses to seal twice.
 */
export const RESOURCE_MANIFEST_SHA256: string =
  'FACEVAULT_RESOURCE_MANIFEST_SHA256_PLACEHOLDER_NOT_SEALED_YET___';
