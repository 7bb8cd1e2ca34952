/**
 * Origin of a URL as a string. WHATWG URL reports "null" as the origin of custom schemes such as
 * `app://facevault`, so those are rebuilt from scheme and host. Returns null for anything unparsable.
 */
export function normaliseOrigin(urlOrOrigin: string): string | null {
  try {
    const u = new URL(urlOrOrigin);
    if (u.origin !== 'null') return u.origin;
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}
