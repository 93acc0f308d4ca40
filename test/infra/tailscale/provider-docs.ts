// The documented schema of a terraform-provider-tailscale docs page (name, type, Required/Optional/Read-Only,
// sensitive), read from its pinned fixture and with each upstream type text mapped to the bindings' AttributeKind.
// The fixtures are derived from the docs by scripts/derive-upstream-fixtures.ts.
import type { AttributeKind } from '../../../infra/tailscale/attributes.ts';
import type { ReducedProviderDoc, SchemaSection } from '../../../scripts/upstream-fixtures.ts';
import { upstreamFixture } from '../../fixtures/upstream.ts';

export interface DocumentedAttribute {
  name: string;
  kind: AttributeKind;
  section: SchemaSection;
  sensitive: boolean;
}

const KINDS: Record<string, AttributeKind> = {
  String: 'string',
  Boolean: 'boolean',
  Number: 'number',
  'List of String': 'stringList',
  'Set of String': 'stringSet',
  'Map of String': 'stringMap',
};

/** The page's entries, by its upstream path under docs/, e.g. 'resources/acl.md' or 'index.md'. */
export function documentedAttributes(page: string): DocumentedAttribute[] {
  const fixture = `terraform-provider-tailscale/docs/${page.replace(/\.md$/, '.json')}`;
  const { attributes } = upstreamFixture<ReducedProviderDoc>(fixture);
  return attributes.map(({ name, type, section, sensitive }) => {
    const kind = KINDS[type];
    if (!kind) throw new Error(`${page}: unknown type '${type}' of ${name}`);
    return { name, kind, section, sensitive };
  });
}
