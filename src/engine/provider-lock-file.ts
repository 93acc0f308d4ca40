// Reads and writes the dependency lock file (.terraform.lock.hcl) in the one shape terraform and tofu write it:
// comments, then `provider "<host>/<namespace>/<type>" { version, constraints?, hashes? }` blocks. Anything else is a
// shape this reader does not know, and it says so with the line instead of guessing (docs/supply-chain.md).

/** One provider's pin: the version chosen and the checksums its packages must match. */
export interface ProviderLockEntry {
  /** Fully qualified, as terraform writes it: `registry.terraform.io/hashicorp/aws`. */
  address: string;
  version: string;
  /** The constraint the version was chosen under, as recorded; terraform does not need it to verify. */
  constraints?: string;
  /** `h1:` (a package's contents) and `zh:` (a release zip) checksums; empty when the block had none. */
  hashes: string[];
}

/** A lock file this reader cannot take as terraform would have written it: the file, the line and what was wrong. */
export class ProviderLockFormatError extends Error {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'ProviderLockFormatError';
    this.file = file;
    this.line = line;
  }
}

const ADDRESS = /^[a-z0-9][a-z0-9.-]*(?::\d+)?\/[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const CONSTRAINTS = /^[0-9A-Za-z.,~<>=! -]+$/;
const HASHES: Record<string, RegExp> = {
  // base64 of a SHA-256 over the package's files
  h1: /^h1:[A-Za-z0-9+/]{43}=$/,
  // hex SHA-256 of the release zip
  zh: /^zh:[0-9a-f]{64}$/,
};
/** A plain HCL string: no escapes and no template sequences, which a machine-written lock file never has. */
const STRING = '"([^"\\\\$%]*)"';

const BLOCK_OPEN = new RegExp(`^provider\\s+${STRING}\\s*\\{$`);
const ATTRIBUTE = new RegExp(`^([a-z_]+)\\s*=\\s*${STRING}$`);
const LIST_OPEN = /^hashes\s*=\s*\[$/;
const LIST_ITEM = new RegExp(`^${STRING},$`);

type Attribute = 'version' | 'constraints';

export function parseProviderLockFile(text: string, file: string): ProviderLockEntry[] {
  const entries: ProviderLockEntry[] = [];
  let block: { entry: Partial<ProviderLockEntry> & { address: string }; line: number } | undefined;
  let inHashes = false;
  let hashesSeen = false;
  const lines = text.split('\n');
  const fail = (index: number, problem: string): never => {
    throw new ProviderLockFormatError(file, index + 1, problem);
  };

  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    if (inHashes) {
      if (line === ']') {
        if (block!.entry.hashes!.length === 0)
          fail(index, 'hashes is empty: omit it or list at least one hash');
        inHashes = false;
        return;
      }
      const item = LIST_ITEM.exec(line);
      if (!item) return fail(index, `expected a quoted hash followed by a comma, or ], not ${quote(line)}`);
      const hash = item[1]!;
      const pattern = HASHES[hash.split(':')[0] ?? ''];
      if (!pattern) return fail(index, `unknown hash scheme in ${quote(hash)}: expected h1: or zh:`);
      if (!pattern.test(hash)) return fail(index, `malformed hash ${quote(hash)}`);
      block!.entry.hashes!.push(hash);
      return;
    }
    if (block) {
      if (line === '}') {
        if (block.entry.version === undefined) fail(index, `provider ${block.entry.address} has no version`);
        entries.push({ hashes: [], ...block.entry } as ProviderLockEntry);
        block = undefined;
        return;
      }
      if (LIST_OPEN.test(line)) {
        if (hashesSeen) fail(index, `provider ${block.entry.address} has hashes twice`);
        hashesSeen = true;
        inHashes = true;
        block.entry.hashes = [];
        return;
      }
      const attribute = ATTRIBUTE.exec(line);
      if (!attribute) {
        return fail(
          index,
          /^hashes\s*=/.test(line)
            ? 'hashes must open a list with [ and hold one hash a line, as terraform writes it'
            : `expected version = "…", constraints = "…", hashes = [ or }, not ${quote(line)}`,
        );
      }
      const [, name, value] = attribute as unknown as [string, string, string];
      if (name !== 'version' && name !== 'constraints') {
        return fail(index, `unknown attribute ${name} in provider ${block.entry.address}`);
      }
      if (block.entry[name as Attribute] !== undefined) {
        fail(index, `provider ${block.entry.address} has ${name} twice`);
      }
      if (name === 'version' && !VERSION.test(value)) fail(index, `malformed version ${quote(value)}`);
      if (name === 'constraints' && !CONSTRAINTS.test(value)) {
        fail(index, `malformed constraints ${quote(value)}`);
      }
      block.entry[name as Attribute] = value;
      return;
    }
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    const open = BLOCK_OPEN.exec(line);
    if (!open) return fail(index, `expected a provider block or a comment, not ${quote(line)}`);
    const address = open[1]!;
    if (!ADDRESS.test(address)) {
      fail(index, `provider address ${quote(address)} is not a lowercase <host>/<namespace>/<type>`);
    }
    if (entries.some((entry) => entry.address === address))
      fail(index, `provider ${address} is locked twice`);
    block = { entry: { address }, line: index };
    hashesSeen = false;
  });
  if (block) fail(block.line, `provider ${block.entry.address} is never closed with }`);
  return entries;
}

/**
 * The file as terraform writes it (sorted blocks, `=` aligned when there are constraints, one hash a line), under
 * `header` comment lines; parseProviderLockFile reads it back unchanged.
 */
export function renderProviderLockFile(
  entries: readonly ProviderLockEntry[],
  header: readonly string[],
): string {
  const blocks = [...entries]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((entry) => {
      const lines = [`provider "${entry.address}" {`];
      if (entry.constraints === undefined) {
        lines.push(`  version = "${entry.version}"`);
      } else {
        lines.push(`  version     = "${entry.version}"`, `  constraints = "${entry.constraints}"`);
      }
      if (entry.hashes.length) lines.push('  hashes = [', ...entry.hashes.map((h) => `    "${h}",`), '  ]');
      lines.push('}');
      return lines.join('\n');
    });
  const comments = header.map((line) => (line ? `# ${line}` : '#')).join('\n');
  return [...(comments ? [comments] : []), ...blocks].join('\n\n') + '\n';
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
