#!/usr/bin/env node
/**
 * `facevault` — vendor CLI for FaceVault model bundles and licences (docs/bundle-format.md §CLI), and the
 * user's `lock` / `unlock` of files through the running app (docs/filelock-format.md §CLI).
 * Commands: keygen, pack, verify, inspect, license issue, license inspect, catalog sign, catalog verify, lock, unlock. Exit codes in cli-support.ts
 * (0 ok, 1 usage, 2 bad input file, 3 verification failed, 4 output, 70 internal). Errors are one line:
 * `facevault <cmd>: CODE: reason` on stderr. Never prints key material.
 */
import { Command, CommanderError } from 'commander';
import { describeFailure, EXIT } from './cli-support.ts';
import { registerCatalog } from './commands/catalog.ts';
import { registerFiles } from './commands/files.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerKeygen } from './commands/keygen.ts';
import { registerLicense } from './commands/license.ts';
import { registerPack } from './commands/pack.ts';
import { registerVerify } from './commands/verify.ts';

// `facevault inspect x | head`: a closed pipe is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.OK);
  throw e;
});

const program = new Command('facevault')
  .description(
    'FaceVault: lock and unlock files with your face; vendor tools for protected model bundles and device licences',
  )
  .version('1.0.0')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');
registerKeygen(program);
registerPack(program);
registerVerify(program);
registerInspect(program);
registerLicense(program);
registerCatalog(program);
registerFiles(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help / version exit 0; any parse error is a usage error (commander already printed it).
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    const { exitCode, line } = describeFailure(e);
    const cmd = process.argv
      .slice(2)
      .filter((a) => !a.startsWith('-'))
      .slice(0, 2)
      .join(' ');
    process.stderr.write(
      `facevault${cmd ? ` ${['license', 'catalog'].includes(cmd.split(' ')[0] ?? '') ? cmd : cmd.split(' ')[0]}` : ''}: ${line}\n`,
    );
    process.exitCode = exitCode;
  }
}
