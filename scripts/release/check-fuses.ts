/**
 * `node scripts/release/check-fuses.ts <binary-or-.app> [...]`: reads the fuse wire back from packaged
 * Electron binaries and exits 1 (naming each wrong fuse) unless every one matches scripts/release/fuse-policy.ts.
 * The packager runs the same check after flipping; this CLI is for an installed or downloaded build.
 */
import { describeMismatches, verifyFuses } from './fuse-policy.ts';

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error(
    'usage: node scripts/release/check-fuses.ts <FaceVault binary | FaceVault.exe | FaceVault.app> [...]',
  );
  process.exit(2);
}
let bad = 0;
for (const p of paths) {
  try {
    const m = await verifyFuses(p);
    if (m.length === 0) console.log(`fuses ok: ${p}`);
    else {
      bad++;
      console.error(`fuses WRONG in ${p}: ${describeMismatches(m)}`);
    }
  } catch (e) {
    bad++;
    console.error(`cannot read the fuse wire of ${p}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
process.exit(bad === 0 ? 0 : 1);
