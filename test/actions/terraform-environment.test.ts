// What terraform sees of the credentials: the provider's TAILSCALE_OAUTH_* and the workloads stack's
// TF_VAR_operator_oauth_*, next to the runner's own environment, and nothing for a credential not given.
import { describe, expect, it } from 'vitest';
import { terraformEnvironment } from '../../src/targets/credentials.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../../src/lab/stack-contract.ts';

describe('terraform environment', () => {
  const ci = { id: 'kCI', secret: 'tskey-client-kCI-s' };
  const operator = { id: 'kOP', secret: 'tskey-client-kOP-s' };

  it('carries both clients under the names the provider and the workloads stack read', () => {
    const env = terraformEnvironment({ tailscale: ci, operator }, { PATH: '/bin', AWS_REGION: 'eu-west-1' });
    expect(env).toEqual({
      PATH: '/bin',
      AWS_REGION: 'eu-west-1',
      [TAILSCALE_CREDENTIAL_ENV[0]]: 'kCI',
      [TAILSCALE_CREDENTIAL_ENV[1]]: 'tskey-client-kCI-s',
      [OPERATOR_CREDENTIAL_ENV[0]!]: 'kOP',
      [OPERATOR_CREDENTIAL_ENV[1]!]: 'tskey-client-kOP-s',
    });
    expect(OPERATOR_CREDENTIAL_ENV).toEqual([
      'TF_VAR_operator_oauth_client_id',
      'TF_VAR_operator_oauth_client_secret',
    ]);
  });

  it('sets nothing for a client not given (teardown needs no operator), and keeps what the runner set', () => {
    const env = terraformEnvironment({ tailscale: ci }, { TF_VAR_operator_oauth_client_id: 'from-runner' });
    expect(env['TF_VAR_operator_oauth_client_id']).toBe('from-runner');
    expect(env['TF_VAR_operator_oauth_client_secret']).toBeUndefined();
    expect(terraformEnvironment({}, {})).toEqual({});
  });
});
