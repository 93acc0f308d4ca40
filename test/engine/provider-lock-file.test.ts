// The lock file reader takes terraform's machine-written shape and nothing else: every other shape fails naming the
// file and the line. (provider-lock-init.test.ts reads files terraform itself wrote.)
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseProviderLockFile,
  ProviderLockFormatError,
  renderProviderLockFile,
  type ProviderLockEntry,
} from '../../src/engine/provider-lock-file.ts';

// Well-formed checksums of arbitrary text: they stand for no provider package.
const h1 = (text: string) => `h1:${createHash('sha256').update(text).digest('base64')}`;
const zh = (text: string) => `zh:${createHash('sha256').update(text).digest('hex')}`;

const AWS: ProviderLockEntry = {
  address: 'registry.terraform.io/hashicorp/aws',
  version: '6.25.0',
  constraints: '6.25.0',
  hashes: [h1('aws linux'), zh('aws zip')],
};
const TAILSCALE: ProviderLockEntry = {
  address: 'registry.opentofu.org/tailscale/tailscale',
  version: '0.29.3',
  hashes: [h1('tailscale')],
};

const FILE = '/repo/infra/providers/.terraform.lock.hcl';

/** A provider block as terraform writes it, with `body` lines in place of its attributes. */
const block = (body: string[], address = AWS.address) => [`provider "${address}" {`, ...body, '}'].join('\n');
const GOOD_BODY = [
  '  version     = "6.25.0"',
  '  constraints = "6.25.0"',
  '  hashes = [',
  `    "${h1('x')}",`,
  '  ]',
];

function failure(text: string): ProviderLockFormatError {
  try {
    parseProviderLockFile(text, FILE);
  } catch (error) {
    if (error instanceof ProviderLockFormatError) return error;
    throw error;
  }
  throw new Error('parsed without an error');
}

describe('the provider lock file reader', () => {
  it('reads back what it writes, in terraform’s layout, whatever order the entries came in', () => {
    const text = renderProviderLockFile([TAILSCALE, AWS], ['made by a test']);
    expect(text).toBe(
      [
        '# made by a test',
        '',
        'provider "registry.opentofu.org/tailscale/tailscale" {',
        '  version = "0.29.3"',
        '  hashes = [',
        `    "${TAILSCALE.hashes[0]}",`,
        '  ]',
        '}',
        '',
        'provider "registry.terraform.io/hashicorp/aws" {',
        '  version     = "6.25.0"',
        '  constraints = "6.25.0"',
        '  hashes = [',
        `    "${AWS.hashes[0]}",`,
        `    "${AWS.hashes[1]}",`,
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
    expect(parseProviderLockFile(text, FILE)).toEqual([TAILSCALE, AWS]);
  });

  it('takes a file of comments alone as no entries, and a block without hashes as an entry without checksums', () => {
    expect(parseProviderLockFile('# nothing locked yet\n//\n\n', FILE)).toEqual([]);
    expect(parseProviderLockFile(block(['  version = "1.2.3"']), FILE)).toEqual([
      { address: AWS.address, version: '1.2.3', hashes: [] },
    ]);
  });

  it('reads CRLF line endings', () => {
    expect(parseProviderLockFile(block(GOOD_BODY).replaceAll('\n', '\r\n'), FILE)).toHaveLength(1);
  });

  it.each([
    [
      'a module block',
      'module "vpc" {\n}',
      1,
      /expected a provider block or a comment, not "module \\"vpc\\" {"/,
    ],
    ['a stray attribute at the top', 'version = "1.0.0"', 1, /expected a provider block or a comment/],
    [
      'an address in short form',
      block(GOOD_BODY, 'hashicorp/aws'),
      1,
      /not a lowercase <host>\/<namespace>\/<type>/,
    ],
    ['an address in capitals', block(GOOD_BODY, 'registry.terraform.io/HashiCorp/aws'), 1, /not a lowercase/],
    ['a provider locked twice', `${block(GOOD_BODY)}\n${block(GOOD_BODY)}`, 8, /locked twice/],
    ['a block with no version', block(['  constraints = "1.0.0"']), 3, /has no version/],
    ['a version twice', block(['  version = "1.0.0"', '  version = "1.0.0"']), 3, /has version twice/],
    ['a version not normalized', block(['  version = "v1.0.0"']), 2, /malformed version "v1.0.0"/],
    ['an unknown attribute', block(['  version = "1.0.0"', '  source = "x"']), 3, /unknown attribute source/],
    ['a template in a string', block(['  version = "${var.v}"']), 2, /expected version = /],
    ['an escape in a string', block(['  constraints = "1.0\\"0"']), 2, /expected version = /],
    ['hashes on one line', block(['  version = "1.0.0"', `  hashes = ["${h1('x')}"]`]), 3, /one hash a line/],
    ['an empty hashes list', block(['  version = "1.0.0"', '  hashes = [', '  ]']), 4, /hashes is empty/],
    [
      'hashes twice',
      block([...GOOD_BODY, '  hashes = [', `    "${h1('y')}",`, '  ]']),
      7,
      /has hashes twice/,
    ],
    [
      'a hash of an unknown scheme',
      block(['  version = "1.0.0"', '  hashes = [', '    "h9:abc",', '  ]']),
      4,
      /unknown hash scheme in "h9:abc"/,
    ],
    [
      'a truncated h1 hash',
      block(['  version = "1.0.0"', '  hashes = [', '    "h1:abc=",', '  ]']),
      4,
      /malformed hash "h1:abc="/,
    ],
    [
      'a zh hash in capitals',
      block([
        '  version = "1.0.0"',
        '  hashes = [',
        `    "${zh('x').toUpperCase().replace('ZH', 'zh')}",`,
        '  ]',
      ]),
      4,
      /malformed hash/,
    ],
    [
      'a hash without its comma',
      block(['  version = "1.0.0"', '  hashes = [', `    "${h1('x')}"`, '  ]']),
      4,
      /followed by a comma/,
    ],
    ['a block never closed', block(GOOD_BODY).replace(/\n\}$/, ''), 1, /never closed/],
  ])('refuses %s, naming the file and the line', (_shape, text, line, message) => {
    const error = failure(text);
    expect(error.file).toBe(FILE);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^${FILE.replaceAll('.', '\\.')}:${line}: `));
    expect(error.message).toMatch(message);
  });
});
