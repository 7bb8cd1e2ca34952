/**
 * Starts a private swtpm (TPM 2.0 simulator) as a direct child in a fresh state dir and stops it by PID
 * after tpm2_shutdown (recipe: ../shared/docs/testing-notes.md). Fails loudly if swtpm is missing.
 * provisionSrk / evictSrk put a storage root key at 0x81000001 the way a platform does — tests and benches
 * only: product code never creates or evicts persistent objects.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SwtpmInstance {
  readonly stateDir: string;
  readonly tcti: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

export async function startSwtpm(): Promise<SwtpmInstance> {
  for (const tool of ['swtpm', 'tpm2_createprimary', 'tpm2_shutdown']) {
    if (!which(tool))
      throw new Error(`${tool} is not installed: apt-get install swtpm swtpm-tools tpm2-tools`);
  }
  const stateDir = await mkdtemp(join(tmpdir(), 'fv-swtpm-'));
  const sock = join(stateDir, 'tpm.sock');
  const child: ChildProcess = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${stateDir}`,
      '--server',
      `type=unixio,path=${sock}`,
      '--ctrl',
      `type=unixio,path=${sock}.ctrl`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (stderr.length < 4000) stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error('swtpm did not start');
  const deadline = Date.now() + 10_000;
  while (!existsSync(sock)) {
    if (child.exitCode !== null) throw new Error(`swtpm exited early: ${stderr}`);
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`swtpm socket did not appear: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const tcti = `swtpm:path=${sock}`;
  let stopped = false;
  return {
    stateDir,
    tcti,
    pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        spawnSync('tpm2_shutdown', ['-T', tcti], { stdio: 'ignore', timeout: 10_000 });
        process.kill(pid, 'SIGTERM');
        const t = setTimeout(() => {
          if (child.exitCode === null) process.kill(pid, 'SIGKILL');
        }, 5_000);
        await exited;
        clearTimeout(t);
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export const SRK_HANDLE_ARG = '0x81000001';
/** TCG SRK template (TCG TPM 2.0 Provisioning Guidance / EK Credential Profile): storage key, no DA, password auth, AES-128-CFB, SHA-256. */
export const SRK_ATTRIBUTES = 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt';

function run(tool: string, args: readonly string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Test/bench only: creates a primary in the owner hierarchy from `alg` + `attributes` (default: the TCG ECC
 * P-256 SRK template) and persists it at 0x81000001 (tpm2_evictcontrol -C o), as Windows or
 * systemd-cryptenroll do. The same template on the same TPM always gives the same key (and TPM name).
 */
export function provisionSrk(
  tcti: string,
  workDir: string,
  alg: 'ecc256:aes128cfb' | 'rsa2048:aes128cfb' | 'ecc256' = 'ecc256:aes128cfb',
  attributes = SRK_ATTRIBUTES,
): void {
  const ctx = join(workDir, 'persist.ctx');
  run('tpm2_createprimary', ['-T', tcti, '-C', 'o', '-g', 'sha256', '-G', alg, '-a', attributes, '-c', ctx]);
  run('tpm2_evictcontrol', ['-T', tcti, '-C', 'o', '-c', ctx, SRK_HANDLE_ARG]);
  run('tpm2_flushcontext', ['-T', tcti, '-t']);
}

/** Test/bench only: removes the persistent object at 0x81000001. */
export function evictSrk(tcti: string): void {
  run('tpm2_evictcontrol', ['-T', tcti, '-C', 'o', '-c', SRK_HANDLE_ARG]);
}
