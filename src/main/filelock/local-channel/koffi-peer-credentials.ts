/**
 * Who is on the other end of a Unix socket (koffi adapter): Node has no SO_PEERCRED API, so this asks
 * the kernel directly — Linux getsockopt(fd, SOL_SOCKET, SO_PEERCRED, struct ucred) (socket(7), unix(7)),
 * macOS / BSD getpeereid(3). The credentials are the peer's at connect() time, kept by the kernel: they
 * cannot be forged by the client. Returns null when the platform or koffi cannot answer (the caller then
 * relies on the 0700 directory alone and says so).
 */
import { createRequire } from 'node:module';

export interface PeerCredentials {
  readonly uid: number;
  readonly gid: number;
  readonly pid: number | null;
}

type Fn = (...args: unknown[]) => number;
interface KoffiModule {
  load(path: string): { func(definition: string): Fn };
}

let cached: ((fd: number) => PeerCredentials | null) | null | undefined;

function bind(): ((fd: number) => PeerCredentials | null) | null {
  let koffi: KoffiModule;
  try {
    koffi = createRequire(import.meta.url)('koffi') as KoffiModule;
  } catch {
    return null;
  }
  try {
    if (process.platform === 'linux') {
      const libc = koffi.load('libc.so.6');
      const getsockopt = libc.func(
        'int getsockopt(int fd, int level, int name, _Out_ void *val, _Inout_ void *len)',
      );
      const SOL_SOCKET = 1;
      const SO_PEERCRED = 17; // x86, x86-64, arm, arm64 (asm-generic/socket.h)
      return (fd) => {
        const cred = new Uint8Array(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        const len = new Uint32Array([12]);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0 || len[0] !== 12) return null;
        const dv = new DataView(cred.buffer);
        return { pid: dv.getInt32(0, true), uid: dv.getUint32(4, true), gid: dv.getUint32(8, true) };
      };
    }
    if (process.platform === 'darwin' || process.platform === 'freebsd' || process.platform === 'openbsd') {
      const libc = koffi.load(process.platform === 'darwin' ? 'libSystem.B.dylib' : 'libc.so.7');
      const getpeereid = libc.func('int getpeereid(int fd, _Out_ void *uid, _Out_ void *gid)');
      return (fd) => {
        const uid = new Uint32Array(1);
        const gid = new Uint32Array(1);
        if (getpeereid(fd, uid, gid) !== 0) return null;
        return { uid: uid[0]!, gid: gid[0]!, pid: null };
      };
    }
  } catch {
    return null;
  }
  return null;
}

/** Peer credentials of the connected Unix socket `fd`, or null when they cannot be read here. */
export function peerCredentials(fd: number): PeerCredentials | null {
  if (cached === undefined) cached = bind();
  if (!cached || !Number.isInteger(fd) || fd < 0) return null;
  return cached(fd);
}

export const peerCredentialsAvailable = (): boolean => {
  if (cached === undefined) cached = bind();
  return cached !== null;
};
