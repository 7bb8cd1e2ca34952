/**
 * The app's end of the CLI channel (node:net adapter; its file checks are in ../fs/socket-files.ts): `facevault lock|unlock` asks the running
 * app, which holds the vault key, to do the work; the key never leaves main. Same OS user only:
 *   1. the socket lives in a directory that must be a real directory (not a symlink) owned by this user
 *      with no group/other permission bits (0700; created so, else refused: LOCAL_CHANNEL_DENIED) — on
 *      Linux $XDG_RUNTIME_DIR is already such a directory (XDG Base Directory spec);
 *   2. the socket file is chmod 0600 right after listen (the 0700 directory already shuts others out
 *      while it is briefly wider);
 *   3. every connection's peer uid is read from the kernel (SO_PEERCRED / getpeereid via koffi,
 *      koffi-peer-credentials.ts) and must equal ours, else it is closed with LOCAL_CHANNEL_DENIED.
 * A stale socket file from a crashed instance is replaced only after a connect() to it is refused.
 * Unlock needs the vault: if it is locked the app is asked for a face verification (its window comes
 * forward) or the CLI's recovery passphrase is passed to the vault (which rate-limits it).
 * Windows: a named pipe (socket-path.ts windowsPipeName) — Node gives no peer credentials there and
 * leaves the pipe's DACL at the Windows default (full control: the creator, SYSTEM, Administrators; read
 * for Everyone — so other users cannot write a request), so every connection must pass the per-user
 * token proof first (`token`, channel-proof.ts); a name another process already holds is refused at
 * listen (FILE_FLAG_FIRST_PIPE_INSTANCE → EADDRINUSE). With `token` on a Unix socket both checks apply.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { ErrorCode } from '../../../shared/error-codes.ts';
import { isFaceVaultError } from '../../errors/facevault-error.ts';
import { FileLockError } from '../errors.ts';
import type { FileLockService } from '../file-lock-service.ts';
import type { ProgressInfo } from '../../storage/filelock/lock-engine.ts';
import type { VaultKeyAccess } from '../vault-key.ts';
import {
  removeSocketFile,
  restrictSocketFile,
  securePrivateDir,
  socketFileState,
} from '../../storage/filelock/socket-files.ts';
import { processName } from '../../storage/filelock/peer-process.ts';
import { checkClientProof, newNonce, serverProof, TOKEN_BYTES } from './channel-proof.ts';
import { isNamedPipe } from './socket-path.ts';
import { peerCredentials, peerCredentialsAvailable } from './koffi-peer-credentials.ts';
import { LineReader, requestSchema, type ChannelReply, type ChannelRequest } from './protocol.ts';

export interface LocalChannelOptions {
  readonly socketPath: string;
  readonly files: FileLockService;
  /** Default: the file-lock service's own vault access. */
  readonly vault?: VaultKeyAccess;
  readonly log?: (line: string) => void;
  /** How long a CLI waits for the face verification in the app. */
  readonly faceTimeoutMs?: number;
  /**
   * The per-user channel token (channel-token-file.ts): every connection must prove it can read it
   * (channel-proof.ts). Required for a named pipe; optional, in addition to the kernel check, on Unix.
   */
  readonly token?: Uint8Array;
}

export interface LocalChannel {
  readonly socketPath: string;
  /**
   * 'kernel': peer uids checked per connection; 'directory': only the 0700 folder protects it; 'token':
   * a named pipe, every connection passes the token proof (plus the Windows default pipe DACL).
   */
  readonly peerCheck: 'kernel' | 'directory' | 'token';
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 10_000;

class ChannelError extends Error {
  readonly code: 'LOCAL_CHANNEL_DENIED' | 'LOCAL_CHANNEL_UNAVAILABLE';
  constructor(code: 'LOCAL_CHANNEL_DENIED' | 'LOCAL_CHANNEL_UNAVAILABLE', message: string) {
    super(message);
    this.code = code;
  }
}

/** True if something answers on `path` (another running instance). */
function answers(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export async function startLocalChannel(o: LocalChannelOptions): Promise<LocalChannel> {
  const log = o.log ?? (() => {});
  if (o.token && o.token.length !== TOKEN_BYTES) throw new RangeError('channel token must be 32 bytes');
  if (isNamedPipe(o.socketPath) || process.platform === 'win32') return startPipeChannel(o, log);
  const dir = dirname(o.socketPath);
  const problem = await securePrivateDir(dir);
  if (problem)
    throw new ChannelError(
      'LOCAL_CHANNEL_DENIED',
      `${dir} is not a private folder of this user (${problem})`,
    );
  const there = await socketFileState(o.socketPath);
  if (there === 'other')
    throw new ChannelError('LOCAL_CHANNEL_DENIED', `${o.socketPath} exists and is not a socket`);
  if (there === 'socket') {
    if (await answers(o.socketPath))
      throw new ChannelError(
        'LOCAL_CHANNEL_UNAVAILABLE',
        'another FaceVault instance already serves the CLI',
      );
    await removeSocketFile(o.socketPath);
  }
  const kernelCheck = peerCredentialsAvailable();
  if (!kernelCheck)
    log('filelock: peer credentials cannot be read here; the CLI socket relies on its 0700 folder');
  const open = new Set<Socket>();
  const server: Server = createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    void serve(sock, o, kernelCheck, log);
  });
  await listen(server, o.socketPath);
  await restrictSocketFile(o.socketPath);
  return {
    socketPath: o.socketPath,
    peerCheck: kernelCheck ? 'kernel' : 'directory',
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        for (const s of open) s.destroy();
        void removeSocketFile(o.socketPath);
      }),
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(path, () => {
      server.off('error', rej);
      res();
    });
  });
}

/** Windows: the per-user named pipe, token-checked (see the module comment). */
async function startPipeChannel(o: LocalChannelOptions, log: (l: string) => void): Promise<LocalChannel> {
  if (!o.token)
    throw new ChannelError('LOCAL_CHANNEL_DENIED', 'a named pipe channel needs the per-user channel token');
  const open = new Set<Socket>();
  const server: Server = createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    void serve(sock, o, false, log);
  });
  try {
    await listen(server, o.socketPath);
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'EADDRINUSE')
      throw new ChannelError(
        'LOCAL_CHANNEL_UNAVAILABLE',
        `${o.socketPath} is already taken (another FaceVault, or another program holding the name)`,
      );
    throw e;
  }
  return {
    socketPath: o.socketPath,
    peerCheck: 'token',
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        for (const s of open) s.destroy();
      }),
  };
}

function send(sock: Socket, r: ChannelReply): void {
  if (!sock.destroyed) sock.write(`${JSON.stringify(r)}\n`);
}

function fail(sock: Socket, code: ErrorCode, message: string): void {
  send(sock, { t: 'result', ok: false, error: { code, message } });
  sock.end();
}

/** The fd of an accepted Unix socket (libuv pipe handle); -1 when Node does not expose it. */
function fdOf(sock: Socket): number {
  const h = (sock as unknown as { _handle?: { fd?: unknown } })._handle;
  return typeof h?.fd === 'number' ? h.fd : -1;
}

async function serve(
  sock: Socket,
  o: LocalChannelOptions,
  kernelCheck: boolean,
  log: (l: string) => void,
): Promise<void> {
  sock.setEncoding('utf8');
  let pid: number | null = null;
  if (kernelCheck) {
    const cred = peerCredentials(fdOf(sock));
    pid = cred?.pid ?? null;
    const me = process.getuid?.();
    if (!cred || cred.uid !== me) {
      log(`filelock: CLI connection refused (peer uid ${cred ? cred.uid : 'unknown'})`);
      fail(sock, 'LOCAL_CHANNEL_DENIED', 'only the user running FaceVault may use it');
      return;
    }
  }
  const timer = setTimeout(() => fail(sock, 'LOCAL_CHANNEL_PROTOCOL', 'no request'), REQUEST_TIMEOUT_MS);
  let handled = false;
  /** The nonce we sent in our hello (token-checked channels): the request must carry its proof. */
  let serverNonce: string | null = null;
  const reader = new LineReader((line) => {
    if (handled) return;
    let req: ChannelRequest;
    try {
      const r = requestSchema.safeParse(JSON.parse(line));
      if (!r.success) throw new Error(r.error.issues[0]?.message ?? 'invalid');
      req = r.data;
    } catch (e) {
      handled = true;
      clearTimeout(timer);
      fail(sock, 'LOCAL_CHANNEL_PROTOCOL', `bad request: ${e instanceof Error ? e.message : 'invalid'}`);
      return;
    }
    if (req.op === 'hello') {
      if (!o.token || serverNonce !== null) {
        handled = true;
        clearTimeout(timer);
        fail(sock, 'LOCAL_CHANNEL_PROTOCOL', 'unexpected hello');
        return;
      }
      serverNonce = newNonce();
      send(sock, { t: 'hello', nonce: serverNonce, proof: serverProof(o.token, req.nonce) });
      return;
    }
    handled = true;
    clearTimeout(timer);
    const work: WorkRequest = req;
    if (o.token && (serverNonce === null || !checkClientProof(o.token, serverNonce, work.proof))) {
      log('filelock: CLI connection refused (no valid channel-token proof)');
      fail(sock, 'LOCAL_CHANNEL_DENIED', 'only the user running FaceVault may use it');
      return;
    }
    void handle(sock, work, o, pid).catch((e: unknown) => {
      const info = isFaceVaultError(e)
        ? e.toInfo()
        : { code: 'FILELOCK_IO' as const, message: 'internal error' };
      fail(sock, info.code, info.message);
    });
  });
  sock.on('data', (d: string) => {
    if (!reader.push(d)) fail(sock, 'LOCAL_CHANNEL_PROTOCOL', 'request line too long');
  });
  sock.on('error', () => clearTimeout(timer));
  sock.on('close', () => clearTimeout(timer));
}

async function ensureVault(
  sock: Socket,
  req: Extract<ChannelRequest, { auth: unknown }>,
  o: LocalChannelOptions,
  pid: number | null,
): Promise<void> {
  const vault = o.vault ?? o.files.vault;
  if (vault.isUnlocked()) return;
  if (req.auth.method === 'passphrase') {
    if (!req.auth.passphrase) throw new FileLockError('FILELOCK_VAULT_LOCKED', 'a passphrase is needed');
    if (!vault.unlockWithPassphrase)
      throw new FileLockError(
        'FILELOCK_VAULT_LOCKED',
        'this FaceVault cannot take the recovery passphrase here; unlock in the app',
      );
    await vault.unlockWithPassphrase(req.auth.passphrase);
    return;
  }
  if (!vault.requestFaceUnlock) {
    throw new FileLockError(
      'FILELOCK_VAULT_LOCKED',
      'FaceVault is locked: unlock it with your face in the app, or use --passphrase',
    );
  }
  send(sock, {
    t: 'waiting',
    message: 'FaceVault shows your request in its window: look at the camera or enter your passphrase there.',
  });
  // The request goes away as soon as this command does (Ctrl+C, a closed pipe).
  const gone = new AbortController();
  sock.once('close', () => gone.abort());
  await vault.requestFaceUnlock(
    { op: req.op, path: req.path, pid, processName: pid === null ? null : await processName(pid) },
    o.faceTimeoutMs ?? 120_000,
    gone.signal,
  );
}

type WorkRequest = Exclude<ChannelRequest, { op: 'hello' }>;

async function handle(
  sock: Socket,
  req: WorkRequest,
  o: LocalChannelOptions,
  pid: number | null,
): Promise<void> {
  if (req.op === 'ping') {
    send(sock, {
      t: 'result',
      ok: true,
      value: { op: 'ping', vaultUnlocked: o.vault?.isUnlocked() ?? false },
    });
    sock.end();
    return;
  }
  await ensureVault(sock, req, o, pid);
  let last = 0;
  const progress = (p: ProgressInfo) => {
    const now = Date.now();
    if (now - last < 100 && p.done < p.total) return;
    last = now;
    send(sock, { t: 'progress', done: p.done, total: p.total, phase: p.phase });
  };
  if (req.op === 'lock') {
    const r = await o.files.lockNow(req.path, progress);
    send(sock, {
      t: 'result',
      ok: true,
      value: {
        op: 'lock',
        containerPath: r.containerPath,
        originalPath: r.originalPath,
        kind: r.kind,
        bytes: r.bytes,
        id: r.id,
      },
    });
  } else {
    const r = await o.files.unlockNow(req.path, progress);
    send(sock, {
      t: 'result',
      ok: true,
      value: {
        op: 'unlock',
        restoredPath: r.restoredPath,
        containerPath: r.containerPath,
        kind: r.kind,
        bytes: r.bytes,
      },
    });
  }
  sock.end();
}
