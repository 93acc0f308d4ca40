import { describe, expect, it } from 'vitest';
import { nginxManifests } from '../../../infra/manifests/nginx.ts';
import { hostAddress, parseCidr, subnet } from '../../../src/lab/cidr.ts';
import { contains } from '../../../src/lab/cidr.ts';
import { resolveLab } from '../../../src/lab/config.ts';

describe('nginx Service', () => {
  it.each(['demo', 'pr-12'])(
    'pins the ClusterIP the DNS check expects, in the static band of the service CIDR (%s)',
    (id) => {
      const lab = resolveLab({ lab: id });
      const { service } = nginxManifests(lab);
      expect(service.spec?.clusterIP).toBe(lab.workloads.nginxClusterIp);
      // Kubernetes keeps the first 256 addresses of a /18 (min(max(16, size/16), 256)) for static assignment.
      const band = subnet(parseCidr(lab.network.serviceCidr), 24, 0);
      expect(contains(band, parseCidr(`${lab.workloads.nginxClusterIp}/32`))).toBe(true);
      expect(lab.workloads.nginxClusterIp).not.toBe(hostAddress(parseCidr(lab.network.serviceCidr), 10)); // kube-dns
    },
  );
});
