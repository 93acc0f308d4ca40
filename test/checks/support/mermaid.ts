// The real Mermaid parser, in Node. Mermaid sanitizes labels with DOMPurify, which binds to the global `window` when
// mermaid is first imported; jsdom provides that window (and a document). Loaded once per test file (~5 s): every
// caller shares the same promise.
import { JSDOM } from 'jsdom';

export type MermaidParse = (text: string) => Promise<unknown>;

let parser: Promise<MermaidParse> | undefined;

export function mermaidParser(): Promise<MermaidParse> {
  parser ??= load();
  return parser;
}

async function load(): Promise<MermaidParse> {
  const { window } = new JSDOM('<!doctype html><html><body></body></html>');
  // Left in place for the test file's life: some diagram types reach for the document while parsing. Vitest runs
  // each test file in its own process (pool: forks), so nothing else sees it.
  Object.assign(globalThis, { window, document: window.document });
  const { default: mermaid } = await import('mermaid');
  mermaid.initialize({ startOnLoad: false });
  // Rejects on a syntax error, naming the line and the token Mermaid did not expect.
  return (text) => mermaid.parse(text);
}

/** The body of every ```mermaid block in a Markdown text, in order. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => m[1]!);
}
