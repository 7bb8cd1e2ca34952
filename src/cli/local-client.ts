/**
 * The CLI's end of the local channel to the running app (docs/filelock-format.md §CLI channel): connects
 * to the same-user socket, sends one request line and yields the app's reply lines. The socket's folder
 * must be ours and 0700 (checked before connecting: a socket planted by someone else is not trusted with
 * a passphrase). No app → LOCAL_CHANNEL_UNAVAILABLE.
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
import { CliError, EXIT } from './cli-support.ts';

export function checkSocketFolder(socketPath: string): void {
  if (process.platform === 'win32') return;
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
  req: ChannelRequest,
  onReply: (r: ChannelReply) => void,
): Promise<ChannelReply & { t: 'result' }> {
  checkSocketFolder(socketPath);
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let result: (ChannelReply & { t: 'result' }) | null = null;
    const reader = new LineReader((line) => {
      const r = parseReply(line);
      if (!r) {
        reject(new CliError(EXIT.INTERNAL, 'LOCAL_CHANNEL_PROTOCOL', 'the app sent an unexpected reply'));
        sock.destroy();
        return;
      }
      if (r.t === 'result') result = r;
      else onReply(r);
    });
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ ...req, v: PROTOCOL_VERSION })}\n`));
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
