/**
 * Byte helpers that behave the same for Uint8Array and Node Buffer inputs. `Buffer#slice` returns a VIEW
 * (unlike `Uint8Array#slice`), so `x.slice()` is not a copy when a caller hands us a Buffer (readFile,
 * readFileSync): mutating such a "copy" would modify the caller's data. Always copy with `copyBytes`.
 */
export function copyBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  return new Uint8Array(src.subarray(start, end)); // the typed-array constructor always copies
}
