// The tslab CLI: a thin adapter from flags to the core operations. Exit codes: 0 ok, 1 failed, 2 bad input.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { LabConfigError, errorMessage, renameFields } from '../lab/errors.ts';
import { labFieldDocs, type LabFieldDoc } from '../lab/schema.ts';
import { EXIT, OperationFailed } from './exit.ts';
import { InterruptedError } from '../engine/interruption.ts';
import { expiredSessionAdvice, isExpiredSession } from '../clients/aws/expired-session.ts';
import { kebabCase, kebabName, STRING_FIELDS, type StringLabInput } from '../lab/string-inputs.ts';

type Handler = (
  labFlags: StringLabInput,
  options: Record<string, string | boolean | undefined>,
) => Promise<void>;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** A lab flag's help text, bounds included, from the schema's own metadata (the one place it is written). */
export function labFlagDescription(doc: LabFieldDoc): string {
  const bounds = doc.min !== undefined && doc.max !== undefined ? ` (${doc.min}-${doc.max})` : '';
  return `${doc.description}${bounds}`;
}

/**
 * Every lab setting as a flag (--node-count, --vpc-cidr, ...), shared by all lab commands. Description and default
 * come from the schema; the default is only shown: labFlags passes on what the user typed, so the schema applies its
 * own defaults (and a lab adopted from its manifest keeps what it was created with).
 */
function addLabOptions(command: Command, defaultTarget: 'aws' | 'local'): Command {
  for (const doc of labFieldDocs()) {
    const option = new Option(
      `--${kebabCase(doc.field)} <${doc.field === 'target' ? 'target' : 'value'}>`,
      labFlagDescription(doc),
    );
    if (doc.field === 'target') option.default(defaultTarget, defaultTarget);
    else if (doc.default !== undefined) option.default(doc.default, doc.default);
    // Shown as "(default: <what it takes>)"; the empty value is never passed on (see labFlags).
    else if (doc.unset !== undefined) option.default('', doc.unset);
    command.addOption(option);
  }
  return command;
}

function labFlags(options: Record<string, unknown>, command: Command): StringLabInput {
  const flags: StringLabInput = {};
  for (const field of Object.keys(STRING_FIELDS) as (keyof StringLabInput)[]) {
    const value = options[field];
    // --target's default is the command's own (lab: local); the others' are the schema's, which it applies itself.
    if (field !== 'target' && command.getOptionValueSource(field) === 'default') continue;
    if (typeof value === 'string') flags[field] = value;
  }
  return flags;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function main(
  argv: string[],
  io: Io = { out: console.log, err: console.error },
): Promise<number> {
  const status = { exitCode: EXIT.ok as number };
  const program = buildProgram(io, status);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    throw error;
  }
  return status.exitCode;
}

/** The whole command tree; a command's action sets status.exitCode. Exported for the help and option tests. */
export function buildProgram(io: Io, status: { exitCode: number } = { exitCode: EXIT.ok }): Command {
  const program = new Command('tslab')
    .description('Spin up, validate and tear down the Secure Access with Tailscale on Kubernetes lab')
    .version(packageVersion(), '-V, --version', 'print the tslab version')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const run =
    (handler: Handler) => async (options: Record<string, string | boolean | undefined>, command: Command) => {
      try {
        await handler(labFlags(options, command), options);
      } catch (error) {
        if (error instanceof LabConfigError) {
          const named = renameFields(error, (field) => {
            const kebab = kebabName(field);
            return kebab === undefined ? undefined : `--${kebab}`;
          });
          io.err(`tslab: invalid input\n${named.message}`);
          status.exitCode = EXIT.badInput;
        } else if (error instanceof OperationFailed) {
          io.err(`tslab: ${error.message}`);
          status.exitCode = EXIT.failed;
        } else if (error instanceof InterruptedError) {
          io.err(
            `tslab: ${error.message}; the lab is recorded as interrupted: run tslab teardown with the same --target, --lab and state settings to remove it`,
          );
          status.exitCode = error.signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
        } else if (isExpiredSession(error)) {
          io.err(`tslab: ${expiredSessionAdvice(command.name())}\n${errorMessage(error)}`);
          status.exitCode = EXIT.failed;
        } else {
          io.err(`tslab: ${errorMessage(error)}`);
          status.exitCode = EXIT.failed;
        }
      }
    };

  addLabOptions(
    program.command('synth').description('Write every stack of a lab as Terraform JSON, in apply order'),
    'aws',
  )
    .option('--out <dir>', 'output directory', 'cdktf.out')
    .action(
      run(async (flags, options) => {
        const { synthCommand } = await import('./commands/synth.ts');
        await synthCommand(flags, { out: String(options['out']) }, io);
      }),
    );

  program
    .command('synth-policy')
    .description('Write the tailnet policy stack (one per tailnet, applied by an admin)')
    .option('--out <dir>', 'output directory', 'cdktf.out')
    .option(
      '--state-bucket <bucket>',
      'keep its state in this bucket (tslab/tailnet-policy.tfstate) instead of locally',
    )
    .option('--region <region>', 'region of the state bucket', 'us-east-1')
    .option(
      '--shared-operator-client',
      'also make the shared operator OAuth client, for labs with --operator-auth oauth (slots are then not isolated)',
    )
    .option(
      '--github-repository <owner/repo>',
      "also make the CI federated identity: this repository's GitHub Actions runs join with no secret",
    )
    .option(
      '--github-repository-id <id>',
      "the repository's numeric ID, pinned too (gh api repos/OWNER/REPO --jq .id)",
    )
    .action(
      run(async (_flags, options) => {
        const { synthPolicyCommand } = await import('./commands/synth.ts');
        await synthPolicyCommand(
          {
            out: String(options['out']),
            region: String(options['region']),
            sharedOperatorClient: options['sharedOperatorClient'] === true,
            ...(typeof options['stateBucket'] === 'string' ? { stateBucket: options['stateBucket'] } : {}),
            ...(typeof options['githubRepository'] === 'string'
              ? { githubRepository: options['githubRepository'] }
              : {}),
            ...(typeof options['githubRepositoryId'] === 'string'
              ? { githubRepositoryId: options['githubRepositoryId'] }
              : {}),
          },
          io,
        );
      }),
    );

  // The operations' names are the actions' (provision, validate, teardown); up and down stay as their aliases.
  for (const [name, description, alias] of [
    ['provision', 'Provision a lab', 'up'],
    ['validate', 'Validate a running lab (both scenarios)', undefined],
    ['teardown', 'Tear a lab down (works from the lab id alone; a second run is a no-op)', 'down'],
    ['lab', 'provision → validate → teardown, printing the report', undefined],
  ] as const) {
    const command = program.command(name).description(description);
    if (alias) command.alias(alias);
    addLabOptions(command, name === 'lab' ? 'local' : 'aws')
      .option('--report <file>', 'write the JSON validation report here')
      .option(
        '--check-timeout <seconds>',
        'deadline of each check (default 15 locally, 300 on AWS; not the throughput checks, bounded on their own)',
      )
      .option(
        '--min-throughput-mbps <mbps>',
        'fail a throughput check when a direction carries less (unset: report only)',
      )
      .option(
        '--max-latency-ms <ms>',
        'fail a throughput check when the p90 round trip is longer (unset: report only)',
      )
      .option('--keep', 'lab: keep the lab after validation')
      .option(
        '--finished-jobs <ids>',
        'teardown: jobs of this GitHub run that have ended; a run lock one of them left is taken over at once',
      )
      .action(
        run(async (flags, options) => {
          const { labCommand } = await import('./commands/lab.ts');
          await labCommand(name, flags, options, io);
        }),
      );
  }

  addLabOptions(
    program
      .command('doctor')
      .description(
        'Check credentials, state bucket, OAuth scopes and tags, engine — before anything is created',
      ),
    'aws',
  )
    .option('--probe-auth-key', 'also mint a short-lived tagged auth key to prove the OAuth client may')
    .action(
      run(async (flags, options) => {
        const { doctorCommand } = await import('./commands/doctor.ts');
        await doctorCommand(flags, options['probeAuthKey'] === true, io);
      }),
    );

  program
    .command('sweep')
    .description('Tear down every lab whose tslab:expires-at has passed')
    .option('--region <region>', 'AWS region', 'us-east-1')
    .option('--state-bucket <bucket>', 'bucket holding lab manifests and state')
    .option('--state-region <region>', 'region of the state bucket (default --region)')
    .option('--dry-run', 'list what would be removed, remove nothing', true)
    .option('--no-dry-run', 'really remove expired labs')
    .action(
      run(async (_flags, options) => {
        const { sweepCommand } = await import('./commands/sweep.ts');
        await sweepCommand(options, io);
      }),
    );

  return program;
}
