/**
 * The CLI's end of the local channel to the running app (docs/filelock-format.md §CLI channel): connects
 * to the same-user socket, sends one request line and yields the app's reply lines. The socket's folder
 * must be ours and 0700 (checked before connecting: a socket planted by someone else is not trusted with
 * a passphrase). No app → LOCAL_CHANNEL_UNAVAILABLE. With a channel token (Windows named pipe, where the
 * OS cannot tell who is on the other end) the app must first prove it can read the token — nothing else is
 * sent to a pipe that cannot (channel-proof.ts) — and the request carries our proof.
 */
import { lstatSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import {
  LineReader,
  parseReply,
  PROTOCOL_VERSION,
  type ChannelReply,
  type ChannelRequest,
} from '../main/filelock/local-channel/protocol.ts';
import { checkServerProof, clientProof, newNonce } from '../main/filelock/local-channel/channel-proof.ts';
import { isNamedPipe } from '../main/filelock/local-channel/socket-path.ts';
import { CliError, EXIT } from './cli-support.ts';

export function checkSocketFolder(socketPath: string): void {
  if (process.platform === 'win32' || isNamedPipe(socketPath)) return;
  let st;
  try {
    st = lstatSync(dirname(socketPath));
  } catch {
    throw new CliError(
      EXIT.NO_APP,
      'LOCAL_CHANNEL_UNAVAILABLE',
      'FaceVault is not running (start the app, then try again)',
    );
  }
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new CliError(
      EXIT.NOT_AUTHORISED,
      'LOCAL_CHANNEL_DENIED',
      `${dirname(socketPath)} is not a private folder of yours: refusing to talk to a socket there`,
    );
  }
}

export async function request(
  socketPath: string,
  req: Exclude<ChannelRequest, { op: 'hello' }>,
  onReply: (r: ChannelReply) => void,
  opts: { token?: Uint8Array | null } = {},
): Promise<ChannelReply & { t: 'result' }> {
  checkSocketFolder(socketPath);
  const token = opts.token ?? null;
  const clientNonce = token ? newNonce() : null;
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let result: (ChannelReply & { t: 'result' }) | null = null;
    const sendRequest = (proof?: string) =>
      sock.write(`${JSON.stringify({ ...req, v: PROTOCOL_VERSION, ...(proof ? { proof } : {}) })}\n`);
    const reader = new LineReader((line) => {
      const r = parseReply(line);
      if (!r) {
        reject(new CliError(EXIT.INTERNAL, 'LOCAL_CHANNEL_PROTOCOL', 'the app sent an unexpected reply'));
        sock.destroy();
        return;
      }
      if (r.t === 'hello') {
        if (!token || !clientNonce || !checkServerProof(token, clientNonce, r.proof)) {
          reject(
            new CliError(
              EXIT.NOT_AUTHORISED,
              'LOCAL_CHANNEL_DENIED',
              `the program answering on ${socketPath} is not your FaceVault; nothing was sent to it`,
            ),
          );
          sock.destroy();
          return;
        }
        sendRequest(clientProof(token, r.nonce));
        return;
      }
      if (r.t === 'result') result = r;
      else onReply(r);
    });
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      if (clientNonce)
        sock.write(`${JSON.stringify({ v: PROTOCOL_VERSION, op: 'hello', nonce: clientNonce })}\n`);
      else sendRequest();
    });
    sock.on('data', (d: string) => {
      if (!reader.push(d)) sock.destroy();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')
        reject(
          new CliError(
            EXIT.NO_APP,
            'LOCAL_CHANNEL_UNAVAILABLE',
            'FaceVault is not running (start the app, then try again)',
          ),
        );
      else
        reject(
          new CliError(
            EXIT.INTERNAL,
            'LOCAL_CHANNEL_UNAVAILABLE',
            `cannot reach FaceVault: ${e.code ?? e.message}`,
          ),
        );
    });
    sock.on('close', () => {
      if (result) resolve(result);
      else
        reject(
          new CliError(
            EXIT.INTERNAL,
            'LOCAL_CHANNEL_PROTOCOL',
            'FaceVault closed the connection without an answer',
          ),
        );
    });
  });
}
