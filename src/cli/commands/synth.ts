import { relative } from 'node:path';
import { resolveLab } from '../../lab/config.ts';
import { fromStrings, type StringLabInput } from '../../lab/string-inputs.ts';
import { synthLab, synthTailnetPolicy } from '../../targets/synth-lab.ts';
import { LabConfigError, renameFields } from '../../lab/errors.ts';

const POLICY_FLAGS: Record<string, string> = {
  githubRepository: '--github-repository',
  githubRepositoryId: '--github-repository-id',
};

interface Io {
  out(line: string): void;
}

export async function synthCommand(flags: StringLabInput, options: { out: string }, io: Io): Promise<void> {
  const lab = resolveLab(fromStrings(flags));
  const started = performance.now();
  const { stacks } = synthLab(lab, `${options.out}/${lab.id}`);
  io.out(
    `Synthesized lab '${lab.id}' (${lab.target}, slot ${lab.slot}) in ${Math.round(performance.now() - started)} ms.`,
  );
  io.out('Stacks in apply order:');
  stacks.forEach((stack, i) => {
    const after = stack.dependencies.length ? ` (after ${stack.dependencies.join(', ')})` : '';
    io.out(`  ${i + 1}. ${stack.id}${after}  ${relative(process.cwd(), stack.workingDirectory)}/cdk.tf.json`);
  });
}

export async function synthPolicyCommand(
  options: {
    out: string;
    stateBucket?: string;
    region: string;
    sharedOperatorClient?: boolean;
    githubRepository?: string;
    githubRepositoryId?: string;
  },
  io: Io,
): Promise<void> {
  const state = options.stateBucket ? { bucket: options.stateBucket, region: options.region } : undefined;
  const synth = () =>
    synthTailnetPolicy(`${options.out}/tailnet-policy`, state, {
      sharedOperatorClient: options.sharedOperatorClient === true,
      ...(options.githubRepository !== undefined ? { githubRepository: options.githubRepository } : {}),
      ...(options.githubRepositoryId !== undefined ? { githubRepositoryId: options.githubRepositoryId } : {}),
    });
  let stacks: ReturnType<typeof synth>['stacks'];
  try {
    ({ stacks } = synth());
  } catch (error) {
    // Bad input (exit 2), named as the user typed it.
    if (error instanceof LabConfigError) throw renameFields(error, (field) => POLICY_FLAGS[field]);
    throw error;
  }
  for (const stack of stacks)
    io.out(`${stack.id}: ${relative(process.cwd(), stack.workingDirectory)}/cdk.tf.json`);
}
