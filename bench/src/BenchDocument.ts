/**
 * docs/benchmarks.md as a list of sections, one per benchmark, each between
 * `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`. A run of some benchmarks
 * replaces their sections and keeps every other one as it was, so each
 * benchmark can be rerun alone without losing the others' figures.
 */
const HEADER = `# Benchmarks

Written by \`npm run bench\` (bench/); \`npm run bench -- <name>\` reruns one
benchmark and replaces only its section. Every figure is measured side by side
with its references in the same run, alternating run by run, on loopback;
ratios are medians over medians. These are not tests: nothing fails on a
timing. Each section says when and on what it was measured.
`;

const SECTION = /<!-- bench:([a-z0-9-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g;

/** The sections of an existing document, by id (an older document without markers has none). */
export function readSections(document: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const match of document.matchAll(SECTION)) sections.set(match[1] as string, match[2] as string);
  return sections;
}

/**
 * Blocks written by report.ts's replaceSection (`<!-- <id>:start -->` to
 * `<!-- <id>:end -->`, the signaling benchmark's): kept as they are, after ours.
 */
export function foreignBlocks(document: string): string[] {
  return [...document.matchAll(/<!-- ([a-z0-9-]+):start -->[\s\S]*?<!-- \1:end -->/g)].map((match) => match[0]);
}

/** The whole document: `order` first (those that have a section), then any other kept sections, then `foreign` blocks. */
export function writeDocument(sections: ReadonlyMap<string, string>, order: readonly string[], foreign: readonly string[] = []): string {
  const ids = [...order.filter((id) => sections.has(id)), ...[...sections.keys()].filter((id) => !order.includes(id))];
  const body = ids.map((id) => `<!-- bench:${id} -->\n${(sections.get(id) as string).trim()}\n<!-- /bench:${id} -->`);
  return `${HEADER}\n${[...body, ...foreign].join('\n\n')}\n`;
}
