// The upstream artefacts tslab is checked against (CRDs, chart values, provider and API docs) live in
// ../shared/reference beside the repository, unchanged; CI gets the same copy. Tests read them in place.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const candidate =
  process.env['TSLAB_REFERENCE_DIR'] ?? fileURLToPath(new URL('../../shared/reference/', import.meta.url));

if (!existsSync(candidate)) {
  throw new Error(`upstream reference artefacts not found at ${candidate}; set TSLAB_REFERENCE_DIR`);
}

/** A file URL under the reference directory, e.g. reference('tailscale/crds/tailscale.com_connectors.yaml'). */
export function reference(path: string): URL {
  return new URL(path, pathToFileURL(candidate.endsWith('/') ? candidate : `${candidate}/`));
}
