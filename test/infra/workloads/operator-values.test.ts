import { describe, expect, it } from 'vitest';
import {
  OPERATOR_CHART,
  OPERATOR_CLIENT_SECRET_PATH,
  operatorHelmValues,
} from '../../../infra/manifests/operator-values.ts';
import { upstreamFixture, upstreamSources } from '../../fixtures/upstream.ts';
import { demoLab } from './lab-fixture.ts';

/** The chart's values.yaml, parsed (pinned fixture; provenance in test/fixtures/upstream/sources.json). */
const chartValues = upstreamFixture<unknown>('tailscale/chart/values.json');

/** Every path to a non-object value: `a.b.c` → value. */
function leafPaths(value: unknown, prefix = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

function chartDefault(path: string): { found: boolean; value?: unknown } {
  let current: unknown = chartValues;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in current)) return { found: false };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

const shape = (value: unknown): string => (Array.isArray(value) ? 'list' : typeof value);

describe('operator Helm values', () => {
  const lab = demoLab();
  const values = operatorHelmValues(lab, { clientId: 'k123CNTRL' });

  it("set only keys the chart's values.yaml declares, each with the chart's own type", () => {
    const paths = leafPaths(values);
    expect(paths.length).toBeGreaterThan(5);
    for (const [path, value] of paths) {
      const chart = chartDefault(path);
      expect(chart.found, `${path} is not in the chart's values.yaml`).toBe(true);
      expect(shape(value), path).toBe(shape(chart.value));
    }
  });

  it('leave the client secret out, for set_sensitive to fill a path the chart declares', () => {
    expect(values.oauth).toEqual({ clientId: 'k123CNTRL' });
    expect(JSON.stringify(values)).not.toContain('clientSecret');
    expect(chartDefault(OPERATOR_CLIENT_SECRET_PATH)).toEqual({ found: true, value: '' });
  });

  it("tag the operator and its proxies with the lab's tags and keep the API proxy off", () => {
    expect(values.operatorConfig).toEqual({
      hostname: lab.tailnet.operatorHostname,
      // The slot's own operator tag (its federated identity's); the shared client's with operator-auth oauth.
      defaultTags: [`tag:tslab-s${lab.slot}-operator`],
    });
    expect(
      operatorHelmValues(demoLab({ operatorAuth: 'oauth' }), { clientId: 'id' }).operatorConfig.defaultTags,
    ).toEqual(['tag:k8s-operator']);
    expect(values.proxyConfig.defaultTags).toBe(`tag:k8s,${lab.tailnet.slotTag}`);
    expect(values.apiServerProxyConfig.mode).toBe('false');
    expect(values.installCRDs).toBe(true);
  });

  it('pin the chart version the chart values and CRD fixtures come from', () => {
    // The chart's own Chart.yaml carries placeholders (set at release); the manifest records the tag of each file.
    const tags = upstreamSources()
      .fixtures.filter(
        (f) => f.fixture.startsWith('tailscale/chart/') || f.fixture.startsWith('tailscale/crds/'),
      )
      .map((f) => f.upstream.tag);
    expect(tags.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tags)).toEqual(new Set([`v${OPERATOR_CHART.version}`]));
    expect(OPERATOR_CHART).toMatchObject({
      version: '1.102.3',
      repository: 'https://pkgs.tailscale.com/helmcharts',
    });
  });
});
