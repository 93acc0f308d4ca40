import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { LocalLabStack, terraformLiteral } from '../../../infra/stacks/local-lab-stack.ts';
import { resolveLab } from '../../../src/lab/config.ts';
import { localPlan } from '../../../infra/local/plan.ts';
import { createScript, destroyScript, localTopology } from '../../../infra/local/topology.ts';
import { requires } from '../../support/requires.ts';
import { testApp } from '../../support/cdktf-app.ts';

interface LocalExec {
  command: string;
  interpreter?: string[];
  when?: string;
}
interface DataJson {
  input: { destroy: string };
  triggers_replace: { create: string; after: string };
  depends_on?: string[];
  provisioner: { 'local-exec': LocalExec }[];
}
interface StackJson {
  resource: { terraform_data: Record<string, DataJson> };
  output: Record<string, { value: unknown }>;
}

const lab = resolveLab(
  { lab: 'demo', target: 'local' },
  { now: new Date('2026-01-01T00:00:00Z'), localStateDir: '/var/lib/tslab-test' },
);

function synth(): StackJson {
  const stack = new LocalLabStack(testApp(), lab);
  return JSON.parse(Testing.synth(stack)) as StackJson;
}

/** Terraform's reading of a template string that holds no references: `$${` → `${`, `%%{` → `%{`. */
const untemplate = (text: string) => text.replaceAll('$${', '${').replaceAll('%%{', '%{');

describe('local lab stack', () => {
  it('declares one terraform_data per topology piece, each depending on the one before', () => {
    const data = synth().resource.terraform_data;
    const ids = localTopology(lab).map((piece) => piece.id);
    expect(Object.keys(data).sort()).toEqual([...ids].sort());
    ids.forEach((id, i) => {
      const previous = ids[i - 1];
      expect(data[id]!.depends_on ?? [], id).toEqual(previous ? [`terraform_data.${previous}`] : []);
      // Rebuilding a piece rebuilds everything after it: the next piece's trigger holds this piece's id.
      expect(data[id]!.triggers_replace.after, id).toBe(previous ? `\${terraform_data.${previous}.id}` : '');
    });
  });

  it('creates with the piece create script and destroys with the undo script kept in its own input', () => {
    const data = synth().resource.terraform_data;
    for (const piece of localTopology(lab)) {
      const [create, destroy] = data[piece.id]!.provisioner.map((p) => p['local-exec']);
      expect(create).toEqual({ command: expect.any(String), interpreter: ['bash', '-c'] });
      expect(untemplate(create!.command)).toBe(createScript(piece));
      // Terraform lets a destroy-time provisioner refer to nothing but self.
      expect(destroy).toEqual({
        command: '${self.input.destroy}',
        interpreter: ['bash', '-c'],
        when: 'destroy',
      });
      expect(untemplate(data[piece.id]!.input.destroy)).toBe(destroyScript(piece));
    }
  });

  it('escapes template sequences so terraform hands bash its text unchanged', () => {
    expect(terraformLiteral('echo ${HOME} %{if x} $x $(y)')).toBe('echo $${HOME} %%{if x} $x $(y)');
    const data = synth().resource.terraform_data;
    for (const [id, resource] of Object.entries(data)) {
      const texts = [resource.input.destroy, resource.provisioner[0]!['local-exec'].command];
      for (const text of texts) expect(text, id).not.toMatch(/(?<!\$)\$\{|(?<!%)%\{/);
    }
  });

  it('round-trips escaped text through terraform itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslab-tf-console-'));
    const text = 'echo ${HOME} %{if} $x $$ ${a}';
    const result = spawnSync('terraform', ['console'], {
      cwd: dir,
      input: JSON.stringify(terraformLiteral(text)),
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result.stdout.trim()).toBe(JSON.stringify(text));
  });

  it('outputs the namespaces, addresses and nonces of the plan', () => {
    const output = synth().output;
    const plan = localPlan(lab);
    expect(output['namespaces']!.value).toEqual(plan.namespaces);
    expect(output['addresses']!.value).toMatchObject({
      client: plan.clientIp,
      pod_router: plan.podIps.router,
      nginx_cluster_ip: lab.workloads.nginxClusterIp,
      kube_dns_ip: lab.network.kubeDnsIp,
    });
    expect(output['tailnet_addresses']!.value).toEqual({
      router: plan.tailnet.peers.router.tailnetIp,
      egress: plan.tailnet.peers.egress.tailnetIp,
      client: plan.tailnet.peers.client.tailnetIp,
    });
    expect(output['nonces']!.value).toEqual({
      nginx: lab.workloads.nonce,
      client: lab.workloads.clientNonce,
    });
  });

  requires('local-lab').it(
    'comes up with terraform apply and leaves no namespace after terraform destroy',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tslab-tf-'));
      const id = `ltf${Math.random().toString(36).slice(2, 8)}`;
      const real = resolveLab({ lab: id, target: 'local' }, { localStateDir: join(dir, 'state') });
      const app = new App({ outdir: join(dir, 'out') });
      new LocalLabStack(app, real);
      app.synth();
      const cwd = join(dir, 'out', 'stacks', 'local');
      const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
      const terraform = (...args: string[]) => {
        const result = spawnSync('terraform', [...args, '-input=false', '-no-color'], {
          cwd,
          env,
          encoding: 'utf8',
        });
        expect(result.status, `terraform ${args[0]}: ${result.stderr}`).toBe(0);
      };
      const namespaces = () =>
        spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter((line) => line.startsWith(`tslab-${id}-`));
      try {
        terraform('init');
        terraform('apply', '-auto-approve');
        expect(namespaces()).toHaveLength(Object.keys(localPlan(real).namespaces).length);
        const curl = spawnSync(
          'ip',
          [
            'netns',
            'exec',
            `tslab-${id}-client`,
            'curl',
            '-sS',
            '-m',
            '5',
            `http://${real.workloads.nginxFqdn}/`,
          ],
          { encoding: 'utf8' },
        );
        expect(curl.stdout).toContain(`tslab-nonce=${real.workloads.nonce}`);
        terraform('destroy', '-auto-approve');
        expect(namespaces()).toEqual([]);
      } finally {
        for (const piece of localTopology(real).reverse()) spawnSync('bash', ['-c', destroyScript(piece)]);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
