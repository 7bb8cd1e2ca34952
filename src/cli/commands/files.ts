/**
 * `facevault lock <path>` and `facevault unlock <path>`: lock a file or folder into a container next to
 * it, or restore one — done by the running app, which holds the vault key (the CLI never sees it), over
 * the same-user local channel. Unlock with the vault locked asks the app for a face verification, or,
 * with --passphrase, reads the recovery passphrase from the terminal (never from arguments or a pipe).
 * Progress bar on a TTY; --json prints one JSON object. Exit codes: cli-support.ts.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  channelTokenPath,
  defaultSocketPath,
  electronUserData,
  isNamedPipe,
} from '../../main/filelock/local-channel/socket-path.ts';
import { readChannelToken } from '../../main/storage/filelock/channel-token-file.ts';
import type { ChannelReply } from '../../main/filelock/local-channel/protocol.ts';
import { CliError, EXIT, exitForCode, printJson, progress } from '../cli-support.ts';
import { request } from '../local-client.ts';

interface FileOpts {
  json?: boolean;
  passphrase?: boolean;
  socket?: string;
}

/** Reads a line from the terminal without echo. */
export async function readPassphrase(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY)
    throw new CliError(
      EXIT.USAGE,
      'PASSPHRASE_NEEDS_TTY',
      '--passphrase reads from a terminal only (never from a pipe or an argument)',
    );
  // Echo off before the prompt appears: anything typed after it is never shown.
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  process.stderr.write(prompt);
  stdin.resume();
  return new Promise((res, rej) => {
    let s = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) rej(err);
      else res(s);
    };
    const onData = (d: string) => {
      for (const ch of d) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError(EXIT.USAGE, 'CANCELLED', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') s = s.slice(0, -1);
        else if (s.length < 1024) s += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function run(op: 'lock' | 'unlock', path: string, opts: FileOpts): Promise<void> {
  const socketPath = opts.socket ?? defaultSocketPath();
  const abs = resolve(path);
  const auth = opts.passphrase
    ? { method: 'passphrase' as const, passphrase: await readPassphrase('Recovery passphrase: ') }
    : { method: 'face' as const };
  const bar = progress(op === 'lock' ? 'Locking  ' : 'Unlocking', !opts.json);
  const onReply = (r: ChannelReply) => {
    if (r.t === 'progress') bar.tick(r.done, r.total);
    else if (r.t === 'waiting' && !opts.json) process.stderr.write(`${r.message}\n`);
  };
  let res;
  try {
    // A named pipe (Windows) is token-checked both ways: the token only this user can read.
    let token: Uint8Array | null = null;
    if (isNamedPipe(socketPath)) {
      token = await readChannelToken(
        process.env.FACEVAULT_CHANNEL_TOKEN ?? channelTokenPath(electronUserData()),
      );
      if (!token)
        throw new CliError(
          EXIT.NO_APP,
          'LOCAL_CHANNEL_UNAVAILABLE',
          'FaceVault is not running (start the app, then try again)',
        );
    }
    res = await request(socketPath, { v: 1, op, path: abs, auth }, onReply, { token });
  } finally {
    bar.stop();
  }
  if (!res.ok) {
    if (opts.json) printJson({ ok: false, op, path: abs, error: res.error });
    throw new CliError(exitForCode(res.error.code), res.error.code, res.error.message);
  }
  if (opts.json) printJson({ ok: true, ...res.value });
  else if (res.value.op === 'lock')
    process.stdout.write(`Locked ${res.value.originalPath}\n    → ${res.value.containerPath}\n`);
  else if (res.value.op === 'unlock')
    process.stdout.write(`Unlocked ${res.value.containerPath}\n    → ${res.value.restoredPath}\n`);
}

export function registerFiles(program: Command): void {
  for (const op of ['lock', 'unlock'] as const) {
    program
      .command(`${op} <path>`)
      .description(
        op === 'lock'
          ? 'lock a file or folder: the running FaceVault encrypts it into <random>.fvlock next to it and removes the original'
          : 'unlock a .fvlock file: the running FaceVault checks your face (or --passphrase) and restores the original next to it',
      )
      .option('--json', 'print one JSON object instead of text')
      .option('--passphrase', 'use the recovery passphrase (asked on the terminal) instead of a face check')
      .option('--socket <path>', 'the app’s local socket (default: $XDG_RUNTIME_DIR/facevault/cli.sock)')
      .action(async (path: string, opts: FileOpts) => run(op, path, opts));
  }
}
