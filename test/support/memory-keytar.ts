/**
 * In-memory stand-in for keytar, for unit and security tests that exercise the key hierarchy without a
 * Secret Service (the real keychain is covered by test/integration/keys/keychain.test.ts).
 * `failWith` makes every call reject with a given message (to simulate libsecret errors).
 */
import type { KeytarApi } from '../../src/main/keys/keychain-store.ts';

export interface MemoryKeytar extends KeytarApi {
  readonly entries: Map<string, string>;
  failWith: string | null;
}

export function memoryKeytar(entries: Map<string, string> = new Map()): MemoryKeytar {
  const kt: MemoryKeytar = {
    entries,
    failWith: null,
    async getPassword(service, account) {
      if (kt.failWith !== null) throw new Error(kt.failWith);
      return entries.get(`${service}\0${account}`) ?? null;
    },
    async setPassword(service, account, password) {
      if (kt.failWith !== null) throw new Error(kt.failWith);
      entries.set(`${service}\0${account}`, password);
    },
    async deletePassword(service, account) {
      if (kt.failWith !== null) throw new Error(kt.failWith);
      return entries.delete(`${service}\0${account}`);
    },
  };
  return kt;
}
