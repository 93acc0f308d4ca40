// A LabWorld for running the actions in this process: its Tailscale API accepts the CI client's credentials, and the
// process works in a directory of its own (the actions synthesize below the working directory) until `close`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeRunnerFiles } from './action-run.ts';
import { LabWorld } from './lab-world.ts';

export interface ActionWorld {
  world: LabWorld;
  /** Back to the old working directory; the runner files, the directory and the world removed. */
  close(): Promise<void>;
}

/** `secrets`: the action inputs a test passes; the world accepts its CI client. */
export async function startActionWorld(secrets: {
  'tailscale-oauth-client-id': string;
  'tailscale-oauth-client-secret': string;
}): Promise<ActionWorld> {
  const world = await LabWorld.start({
    mockClasses: true,
    tailscaleCredentials: {
      clientId: secrets['tailscale-oauth-client-id'],
      clientSecret: secrets['tailscale-oauth-client-secret'],
    },
  });
  const cwd = process.cwd();
  const workdir = mkdtempSync(join(tmpdir(), 'tslab-action-world-'));
  process.chdir(workdir);
  return {
    world,
    async close() {
      removeRunnerFiles();
      process.chdir(cwd);
      rmSync(workdir, { recursive: true, force: true });
      await world.close();
    },
  };
}
