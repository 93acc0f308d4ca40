// Reads the generated schema section of a terraform-provider-tailscale docs page: each argument's name, type and
// whether it is required, optional or read-only.
import { readFileSync } from 'node:fs';
import type { AttributeKind } from '../../../infra/tailscale/attributes.ts';
import { reference } from '../../reference.ts';

export interface DocumentedAttribute {
  name: string;
  kind: AttributeKind;
  section: 'Required' | 'Optional' | 'Read-Only';
  sensitive: boolean;
}

const DOCS = reference('tailscale/terraform-provider/');
const KINDS: Record<string, AttributeKind> = {
  String: 'string',
  Boolean: 'boolean',
  Number: 'number',
  'List of String': 'stringList',
  'Set of String': 'stringSet',
};

export function documentedAttributes(page: string): DocumentedAttribute[] {
  const text = readFileSync(new URL(page, DOCS), 'utf8');
  const attributes: DocumentedAttribute[] = [];
  let section: DocumentedAttribute['section'] | undefined;
  for (const line of text.split('\n')) {
    const heading = /^### (Required|Optional|Read-Only)\s*$/.exec(line);
    if (heading) section = heading[1] as DocumentedAttribute['section'];
    else if (line.startsWith('#')) section = undefined;
    const entry = /^- `([a-z_]+)` \(([^),]+)(, Sensitive)?\)/.exec(line);
    if (section && entry) {
      const kind = KINDS[entry[2]!];
      if (!kind) throw new Error(`${page}: unknown type '${entry[2]}' of ${entry[1]}`);
      attributes.push({ name: entry[1]!, kind, section, sensitive: Boolean(entry[3]) });
    }
  }
  if (attributes.length === 0) throw new Error(`${page}: no schema section found`);
  return attributes;
}
