// configuration_values of the coredns addon: the standard EKS Corefile, except that the kubernetes plugin also
// answers for the lab's own zone (lab.cluster.dnsDomain). Split DNS sends that zone to kube-dns, so
// nginx.tslab.svc.<dnsDomain> resolves from the tailnet without claiming cluster.local, which every lab shares.
import type { LabConfig } from '../../../src/lab/config.ts';

export function renderCorefile(dnsDomain: string): string {
  return [
    '.:53 {',
    '    errors',
    '    health {',
    '        lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes cluster.local ${dnsDomain} in-addr.arpa ip6.arpa {`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '    }',
    '    prometheus :9153',
    '    forward . /etc/resolv.conf',
    '    cache 30',
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
}

export function renderCoreDnsConfigurationValues(lab: LabConfig): string {
  return JSON.stringify({ corefile: renderCorefile(lab.cluster.dnsDomain) });
}
