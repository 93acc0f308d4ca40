// scripts/pins.sh and scripts/refresh-pins.sh, run for real: the refresh against stand-in releases served from
// loopback (the publishers cannot be reached here), the verification against stand-in binaries on PATH. Every
// checksum below is computed by the test from the bytes it serves, never written down.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf, REPO_ROOT, workflow } from './workflow-files.ts';

const PINS = join(REPO_ROOT, '.github/pins.env');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(REPO_ROOT, 'scripts', script), ...args],
      { env: { PATH: process.env['PATH']!, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const pin = (file: string, key: string) =>
  new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tslab-pins-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pinsCopy(name: string, edits: Record<string, string> = {}): string {
  const file = join(dir, name);
  let text = readFileSync(PINS, 'utf8');
  for (const [key, value] of Object.entries(edits))
    text = text.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`);
  writeFileSync(file, text);
  return file;
}

describe('the committed pins', () => {
  it('name versions scripts/pins.sh accepts, and checksums only as 64 hex digits or not at all', async () => {
    const result = await run('pins.sh', ['versions'], {});
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^terraform-version=\d+\.\d+\.\d+\ntofu-version=\d+\.\d+\.\d+\ntailscale-version=\d+\.\d*[02468]\.\d+\n$/,
    );
    for (const line of readFileSync(PINS, 'utf8')
      .split('\n')
      .filter((l) => /^\w+_SHA256_/.test(l)))
      expect(line).toMatch(/^\w+_SHA256_LINUX_(X64|ARM64)=([0-9a-f]{64})?$/);
  });
});

describe('pins.sh', () => {
  it('fails closed for an AWS job while the runner’s Tailscale checksum is empty, saying how to get it', async () => {
    const file = pinsCopy('empty.env', { TAILSCALE_SHA256_LINUX_X64: '' });
    const result = await run('pins.sh', ['aws'], { PINS_FILE: file, RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('TAILSCALE_SHA256_LINUX_X64');
    expect(result.stderr).toContain('refresh-pins.yml');
  });

  it('hands an AWS job the versions and the checksum of its own architecture', async () => {
    const [x64, arm64] = [sha256('x64'), sha256('arm64')];
    const file = pinsCopy('full.env', {
      TAILSCALE_SHA256_LINUX_X64: x64,
      TAILSCALE_SHA256_LINUX_ARM64: arm64,
    });
    const onArm = await run('pins.sh', ['aws'], {
      PINS_FILE: file,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'ARM64',
    });
    expect(onArm.code).toBe(0);
    expect(onArm.stdout).toContain(`tailscale-sha256=${arm64}\n`);
    expect(onArm.stdout).toContain(`tailscale-version=${pin(PINS, 'TAILSCALE_VERSION')}\n`);
    const onX86 = await run('pins.sh', ['aws'], { PINS_FILE: file, RUNNER_OS: 'Linux', RUNNER_ARCH: 'X86' });
    expect(onX86.code).toBe(1);
    expect(onX86.stderr).toContain("RUNNER_ARCH is 'X86'");
  });

  it('refuses a malformed version and an unstable Tailscale release', async () => {
    const bad = pinsCopy('bad.env', { TERRAFORM_VERSION: '1.13' });
    expect((await run('pins.sh', ['versions'], { PINS_FILE: bad })).stderr).toContain(
      'TERRAFORM_VERSION in ' + bad + " is '1.13'",
    );
    const unstable = pinsCopy('unstable.env', { TAILSCALE_VERSION: '1.95.1' });
    const result = await run('pins.sh', ['versions'], { PINS_FILE: unstable });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unstable release');
  });

  it('verifies the engine on PATH against its pin, and names both checksums when it differs', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const engine = join(bin, 'terraform');
    writeFileSync(engine, '#!/bin/sh\necho stand-in terraform\n');
    chmodSync(engine, 0o755);
    const good = sha256(readFileSync(engine));
    const env = { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', PATH: `${bin}:${process.env['PATH']}` };
    const matching = pinsCopy('engine.env', { TERRAFORM_SHA256_LINUX_X64: good });
    const ok = await run('pins.sh', ['verify-engine', 'terraform'], { ...env, PINS_FILE: matching });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(good);

    writeFileSync(engine, '#!/bin/sh\necho tampered\n');
    const tampered = await run('pins.sh', ['verify-engine', 'terraform'], { ...env, PINS_FILE: matching });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(
      `has sha256 ${sha256(readFileSync(engine))}, but TERRAFORM_SHA256_LINUX_X64 pins ${good}`,
    );

    const unpinned = pinsCopy('unpinned.env', { TERRAFORM_SHA256_LINUX_X64: '' });
    const empty = await run('pins.sh', ['verify-engine', 'terraform'], { ...env, PINS_FILE: unpinned });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('TERRAFORM_SHA256_LINUX_X64');
  });
});

describe('refresh-pins.sh against stand-in releases', () => {
  let server: Server;
  let base: string;
  const files = new Map<string, Buffer>();
  let tamper = false;

  function zipOf(name: string, content: string): Promise<Buffer> {
    const work = mkdtempSync(join(dir, 'zip-'));
    writeFileSync(join(work, name), content);
    // python3's zipfile stores the file under its base name when run from its directory.
    return new Promise<Buffer>((resolve, reject) =>
      execFile('python3', ['-m', 'zipfile', '-c', 'out.zip', name], { cwd: work }, (error) =>
        error ? reject(error) : resolve(readFileSync(join(work, 'out.zip'))),
      ),
    );
  }

  beforeAll(async () => {
    const versions = { terraform: pin(PINS, 'TERRAFORM_VERSION')!, tofu: pin(PINS, 'TOFU_VERSION')! };
    for (const [name, version, prefix] of [
      ['terraform', versions.terraform, `/hashicorp/terraform/${versions.terraform}`],
      ['tofu', versions.tofu, `/opentofu/v${versions.tofu}`],
    ] as const) {
      const sums: string[] = [];
      for (const arch of ['amd64', 'arm64']) {
        const zipName = `${name}_${version}_linux_${arch}.zip`;
        const zip = await zipOf(name, `#!/bin/sh\necho ${name} ${arch}\n`);
        files.set(`${prefix}/${zipName}`, zip);
        sums.push(`${sha256(zip)}  ${zipName}`);
      }
      files.set(`${prefix}/${name}_${version}_SHA256SUMS`, Buffer.from(sums.join('\n') + '\n'));
    }
    for (const arch of ['amd64', 'arm64']) {
      const tgz = Buffer.from(`stand-in tailscale ${arch}`);
      const name = `/tailscale/tailscale_${pin(PINS, 'TAILSCALE_VERSION')}_${arch}.tgz`;
      files.set(name, tgz);
      files.set(`${name}.sha256`, Buffer.from(`${sha256(tgz)}\n`));
    }
    server = createServer((request, response) => {
      let body = files.get(request.url ?? '');
      if (body && tamper && request.url!.endsWith('linux_arm64.zip'))
        body = Buffer.concat([body, Buffer.from('x')]);
      response.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const urls = () => ({
    HASHICORP_RELEASES_URL: `${base}/hashicorp`,
    OPENTOFU_RELEASES_URL: `${base}/opentofu`,
    TAILSCALE_PKGS_URL: `${base}/tailscale`,
  });

  it('pins the executables inside checked zips and the checked tarballs, which pins.sh then verifies', async () => {
    const file = pinsCopy('refresh.env');
    const result = await run('refresh-pins.sh', [], { PINS_FILE: file, ...urls() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(pin(file, 'TERRAFORM_SHA256_LINUX_X64')).toBe(sha256('#!/bin/sh\necho terraform amd64\n'));
    expect(pin(file, 'TOFU_SHA256_LINUX_ARM64')).toBe(sha256('#!/bin/sh\necho tofu arm64\n'));
    expect(pin(file, 'TAILSCALE_SHA256_LINUX_ARM64')).toBe(sha256('stand-in tailscale arm64'));

    const bin = join(dir, 'refreshed-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'tofu'), '#!/bin/sh\necho tofu amd64\n');
    chmodSync(join(bin, 'tofu'), 0o755);
    const verified = await run('pins.sh', ['verify-engine', 'tofu'], {
      PINS_FILE: file,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      PATH: `${bin}:${process.env['PATH']}`,
    });
    expect(verified.code).toBe(0);
  });

  it('pins nothing when one download does not match its publisher’s checksum', async () => {
    const file = pinsCopy('tampered.env');
    const before = readFileSync(file, 'utf8');
    tamper = true;
    try {
      const result = await run('refresh-pins.sh', [], { PINS_FILE: file, ...urls() });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/linux_arm64\.zip: sha256 [0-9a-f]{64}, published [0-9a-f]{64}/);
      expect(readFileSync(file, 'utf8')).toBe(before);
    } finally {
      tamper = false;
    }
  });

  it('changes a version when asked, and refuses one that is not a version before downloading anything', async () => {
    const file = pinsCopy('bump.env');
    copyFileSync(file, `${file}.orig`);
    const result = await run('refresh-pins.sh', [], {
      PINS_FILE: file,
      ...urls(),
      TERRAFORM_VERSION: 'latest',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TERRAFORM_VERSION in');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(`${file}.orig`, 'utf8'));
  });
});

describe('refresh-pins.yml', () => {
  const refresh = workflow('refresh-pins.yml');
  const [fetcher, proposer] = [refresh.jobs['refresh']!, refresh.jobs['propose']!];

  it('downloads and computes in a job that can write nothing', () => {
    expect(permissionsOf(fetcher)).toEqual({ contents: 'read' });
    const runs = (fetcher.steps ?? []).map((s) => s.run ?? '');
    expect(runs).toContain('scripts/refresh-pins.sh');
    expect(runs).toContain('scripts/lock-providers.sh');
    // The engines that compute the lock file are the pinned ones: checked after the pins are written, before locking.
    const verify = runs.indexOf(
      'scripts/pins.sh verify-engine terraform && scripts/pins.sh verify-engine tofu',
    );
    expect(verify).toBeGreaterThan(runs.indexOf('scripts/refresh-pins.sh'));
    expect(verify).toBeLessThan(runs.indexOf('scripts/lock-providers.sh'));
  });

  it('writes in a job that installs nothing and runs nothing it checked out or downloaded', () => {
    expect(permissionsOf(proposer)).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const runs = (proposer.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs).not.toMatch(/\b(npm|npx|node|bash|sh) |scripts\/|\.\//);
    expect(proposer.steps?.some((s) => s.uses?.startsWith('actions/setup-node'))).toBe(false);
  });

  it('proposes exactly the two files it refreshed, on a branch of its own, never pushing the base branch', () => {
    const upload = fetcher.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const files = String(upload.with?.['path']).trim().split('\n');
    expect(files).toEqual(['.github/pins.env', 'infra/providers/.terraform.lock.hcl']);
    expect(upload.with?.['include-hidden-files']).toBe(true);
    const script = proposer.steps!.find((s) => s.run?.includes('gh pr create'))!.run!;
    expect(script).toContain(`files=(${files.join(' ')})`);
    expect(script).toContain('"HEAD:refs/heads/${branch}"');
    expect(script).toContain('branch="tslab/refresh-pins-${GITHUB_RUN_ID}"');
    expect(script).not.toMatch(/https?:\/\/github\.com/);
  });
});
