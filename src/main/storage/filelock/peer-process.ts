/**
 * The name of the process on the other end of the CLI channel, for the app's prompt (node:fs adapter):
 * on Linux from /proc/<pid>/cmdline (proc(5)) — the program's file name, plus the script's file name when
 * the program is an interpreter such as node ("node facevault.ts") — falling back to /proc/<pid>/comm;
 * else null. Display text only: a process sets its own argv, so this names, it does not prove. The
 * authorisation is the kernel's peer uid check.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const INTERPRETERS = /^(node|nodejs|electron|bun|deno|python3?|sh|bash)$/;

export async function processName(pid: number): Promise<string | null> {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return null;
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a.length > 0);
    const prog = argv[0] ? basename(argv[0]) : '';
    if (prog) {
      const script = argv.slice(1).find((a) => !a.startsWith('-'));
      return (INTERPRETERS.test(prog) && script ? `${prog} ${basename(script)}` : prog).slice(0, 64);
    }
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return comm.length > 0 ? comm.slice(0, 64) : null;
  } catch {
    return null;
  }
}
