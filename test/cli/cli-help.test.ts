// --help as a user reads it: every option of every command says what it is, every lab flag shows the schema's own
// default (or what it takes when unset), and --version prints the package's version.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, main } from '../../src/cli/main.ts';
import { labFieldDocs } from '../../src/lab/schema.ts';

const io = { out: () => {}, err: () => {} };
const program = buildProgram(io);
const commands: Command[] = [program, ...program.commands];
const docs = new Map(
  labFieldDocs().map((d) => [`--${d.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, d]),
);
const LAB_COMMANDS = ['synth', 'provision', 'validate', 'teardown', 'lab', 'doctor'];

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, out: out.join('\n') };
}

function helpLine(command: Command, flag: string): string {
  const option = command.options.find((o) => o.long === flag);
  if (!option) throw new Error(`${command.name()} has no ${flag}`);
  return command.createHelp().optionDescription(option);
}

describe('tslab --help', () => {
  it('describes every option of every command', () => {
    let count = 0;
    for (const command of commands) {
      const help = command.createHelp();
      for (const option of help.visibleOptions(command)) {
        expect(option.description.trim(), `${command.name()} ${option.flags}`).not.toBe('');
        count++;
      }
    }
    expect(count).toBeGreaterThan(6 * docs.size);
  });

  it('names the operations as the actions do, and keeps up and down as their aliases', () => {
    const byAlias = (alias: string) => program.commands.find((c) => c.aliases().includes(alias))?.name();
    expect(byAlias('up')).toBe('provision');
    expect(byAlias('down')).toBe('teardown');
    expect(program.commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['provision', 'validate', 'teardown']),
    );
  });

  it('gives every lab setting a description in the schema', () => {
    for (const doc of docs.values()) expect(doc.description.length, doc.field).toBeGreaterThan(5);
  });

  it.each(LAB_COMMANDS)('%s shows the schema default of every lab flag', (name) => {
    const command = program.commands.find((c) => c.name() === name)!;
    for (const [flag, doc] of docs) {
      const text = helpLine(command, flag);
      const shown = /\(default: (.*)\)$/.exec(text)?.[1];
      if (flag === '--target') {
        // The one CLI-specific default: `tslab lab` runs the local lab unless told otherwise.
        expect(shown).toBe(name === 'lab' ? 'local' : doc.default);
      } else if (doc.default !== undefined) {
        expect(shown, flag).toBe(doc.default);
      } else if (doc.unset !== undefined) {
        expect(shown, flag).toBe(doc.unset);
      } else {
        expect(shown, flag).toBeUndefined();
      }
      expect(text.startsWith(doc.description), flag).toBe(true);
      if (doc.min !== undefined) expect(text, flag).toContain(`(${doc.min}-${doc.max})`);
    }
  });

  it('reads the defaults it shows off the schema', () => {
    // No static default: the newest version in standard support until the lab expires (src/lab/eks-versions.ts).
    expect(docs.get('--kubernetes-version')?.default).toBeUndefined();
    expect(docs.get('--kubernetes-version')?.unset).toMatch(/newest/);
    expect(docs.get('--node-count')).toMatchObject({ default: '2', min: 1, max: 10 });
    expect(docs.get('--ttl-hours')).toMatchObject({ default: '4', min: 1, max: 168 });
    expect(docs.get('--slot')).toMatchObject({ min: 0, max: 63 });
    expect(docs.get('--egress-proxy-group')).toMatchObject({ default: 'false' });
  });

  it('prints the descriptions in synth --help', async () => {
    const run = await cli(['synth', '--help']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/--node-count <value>\s+number of cluster nodes \(1-10\) \(default: 2\)/);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await cli([flag]);
      expect(run.code).toBe(0);
      expect(run.out.trim()).toBe(version);
    }
  });

  it('a lab flag left out takes what its help says', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tslab-help-'));
    const run = await cli(['synth', '--lab', 'pr-7', '--out', out]);
    expect(run.code).toBe(0);
    // --target: aws; --slot: the PR number of a pr-N lab.
    expect(run.out).toContain("Synthesized lab 'pr-7' (aws, slot 7)");
  });
});
