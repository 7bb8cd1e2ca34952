/**
 * Renders every app icon from resources/icon.svg (the one drawn source), reproducibly: the same SVG and
 * the same sharp/libvips give the same bytes (PNG without timestamps or text chunks; ICO and ICNS are
 * written here from those PNGs, fixed order, no dates).
 *   resources/icons/<N>x<N>.png   Linux hicolor sizes (electron-builder's linux.icon folder; AppImage, deb)
 *   resources/icon.png            512 px, for the window and docs
 *   resources/icon.ico            Windows: 16, 24, 32, 48, 64, 128, 256 px (PNG-compressed ICO entries)
 *   resources/icon.icns           macOS: 16–1024 px incl. @2x (PNG-based ICNS element types)
 * ICO layout: Microsoft "Icons" (ICONDIR + ICONDIRENTRY, PNG payloads as Windows Vista+ accepts);
 * ICNS layout: Apple Icon Image format ('icns' header, then type/length/PNG elements).
 * Usage: node scripts/build-icons.ts [--check]   (--check: exit 1 if a committed file differs)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';

const ROOT = resolve(import.meta.dirname, '..');
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** ICNS element types with PNG payloads and their pixel size. */
export const ICNS_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

export async function renderPng(svg: Buffer, size: number): Promise<Buffer> {
  return sharp(svg, { density: Math.max(72, Math.ceil((72 * size) / 1024)) })
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

export function encodeIco(pngs: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * pngs.length;
  for (const [size, png] of pngs) {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt8(0, 2); // no palette
    e.writeUInt8(0, 3);
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...pngs.map(([, p]) => p)]);
}

export function encodeIcns(elements: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  const parts = elements.map(([type, png]) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([h, png]);
  });
  const total = 8 + parts.reduce((n, p) => n + p.length, 0);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(total, 4);
  return Buffer.concat([h, ...parts]);
}

/** Every output file (relative to the project root) and its bytes. */
export async function buildIcons(svg: Buffer): Promise<Map<string, Buffer>> {
  const sizes = new Set<number>([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, s]) => s)]);
  const png = new Map<number, Buffer>();
  for (const s of [...sizes].sort((a, b) => a - b)) png.set(s, await renderPng(svg, s));
  const out = new Map<string, Buffer>();
  for (const s of LINUX_SIZES) out.set(`resources/icons/${s}x${s}.png`, png.get(s)!);
  out.set('resources/icon.png', png.get(512)!);
  out.set('resources/icon.ico', encodeIco(ICO_SIZES.map((s) => [s, png.get(s)!] as const)));
  out.set('resources/icon.icns', encodeIcns(ICNS_TYPES.map(([t, s]) => [t, png.get(s)!] as const)));
  return out;
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  const files = await buildIcons(readFileSync(join(ROOT, 'resources', 'icon.svg')));
  let stale = 0;
  for (const [rel, bytes] of files) {
    const p = join(ROOT, rel);
    const same = existsSync(p) && readFileSync(p).equals(bytes);
    if (check) {
      if (!same) {
        stale++;
        console.error(`stale: ${rel} (run npm run icons)`);
      }
    } else if (!same) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, bytes);
      console.log(`wrote ${rel} (${bytes.length} bytes)`);
    }
  }
  if (check) {
    if (stale > 0) process.exit(1);
    console.log(`icons up to date (${files.size} files)`);
  }
}
