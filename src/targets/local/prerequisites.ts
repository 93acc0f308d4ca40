// What the local lab needs of this machine: checked before its provision, and installed when tslab may (root on
// Debian/Ubuntu); otherwise the error says what to install.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { localPreflight, LocalPreflightError, REQUIRED_PROGRAMS } from './preflight.ts';

const exec = promisify(execFile);

/** Bundlers (ncc) turn the URL into a plain path next to the bundle; from source it is a file: URL. */
function installScript(): string {
  const where: URL | string = new URL('../../../scripts/install-lab-packages.sh', import.meta.url);
  return typeof where === 'string' ? where : fileURLToPath(where);
}

export async function ensureLocalPrerequisites(log: (line: string) => void = () => {}): Promise<void> {
  let problems = localPreflight();
  const missingPrograms = problems.some((p) => p.startsWith('missing programs'));
  if (missingPrograms && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log(
      `installing the local lab's Debian packages (${[...new Set(Object.values(REQUIRED_PROGRAMS))].join(' ')})`,
    );
    await exec('bash', [installScript()], { maxBuffer: 16 * 1024 * 1024 });
    problems = localPreflight();
  }
  if (problems.length) throw new LocalPreflightError(problems);
}
