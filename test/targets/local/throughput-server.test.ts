import { describe, expect, it } from 'vitest';
import { resolveLab } from '../../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../../src/lab/measurement.ts';
import { localPlan } from '../../../infra/local/plan.ts';
import {
  parseListenerPids,
  throughputServerArgv,
  throughputTarget,
} from '../../../src/targets/local/throughput-server.ts';

const lab = resolveLab(
  { lab: 'demo', target: 'local' },
  { now: new Date('2026-01-01T00:00:00Z'), localStateDir: '/var/lib/tslab-test' },
);
const plan = localPlan(lab);

describe('throughput server placement', () => {
  it('serves the subnet-router scenario from the nginx pod, reached at its pod IP', () => {
    expect(throughputTarget(lab, plan, 'subnet-router')).toEqual({
      namespace: plan.namespaces.nginx,
      bindIp: plan.podIps.nginx,
      host: plan.podIps.nginx,
      where: `local pod namespace ${plan.namespaces.nginx} at ${plan.podIps.nginx}`,
    });
  });

  it("serves the egress scenario on the client's tailnet address, reached by the egress Service's name", () => {
    const client = plan.tailnet.peers.client;
    expect(throughputTarget(lab, plan, 'egress')).toEqual({
      namespace: client.namespace,
      bindIp: client.tailnetIp,
      host: lab.workloads.egressFqdn,
      where: `local client namespace ${client.namespace} at ${client.tailnetIp}`,
    });
  });
});

describe('throughput server command', () => {
  it('bounds iperf3 by timeout, with a KILL after a grace period, on one address and port', () => {
    expect(throughputServerArgv('10.0.0.21', { port: THROUGHPUT_PORT, maxSeconds: 60 })).toEqual([
      'timeout',
      '--kill-after=2',
      '60',
      'iperf3',
      '--server',
      '--bind',
      '10.0.0.21',
      '--port',
      '5201',
    ]);
  });

  it('rejects a port or a bound that would make no sense', () => {
    const argv = (port: number, maxSeconds: number) => () =>
      throughputServerArgv('10.0.0.21', { port, maxSeconds });
    expect(argv(0, 60)).toThrow(/port must be an integer in 1-65535, not 0/);
    expect(argv(70_000, 60)).toThrow(/port/);
    expect(argv(5201.5, 60)).toThrow(/port/);
    expect(argv(5201, 0)).toThrow(/maxSeconds must be a positive number, not 0/);
    expect(argv(5201, Number.POSITIVE_INFINITY)).toThrow(/maxSeconds/);
    expect(argv(5201, Number.NaN)).toThrow(/maxSeconds/);
  });
});

describe('listener pids', () => {
  it('reads the processes holding a listening socket from `ss -ltnp`, once each', () => {
    const ss =
      'LISTEN 0 4096 10.123.64.21:5201 0.0.0.0:* users:(("iperf3",pid=4242,fd=3))\n' +
      'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=77,fd=6),("nginx",pid=76,fd=6),("nginx",pid=77,fd=7))\n';
    expect(parseListenerPids(ss)).toEqual([4242, 77, 76]);
    expect(parseListenerPids('')).toEqual([]);
    expect(parseListenerPids('LISTEN 0 4096 10.123.64.21:5201 0.0.0.0:*\n')).toEqual([]);
  });
});
