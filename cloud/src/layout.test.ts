import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout of cloud/src: each top-level folder is a feature or a shared kit, and features build
 * on each other one way only. A cycle between folders means neither can change (or be read) on its
 * own, so this test reads every module's relative imports (tests and their support aside) and names any cycle.
 */

const SRC = dirname(fileURLToPath(import.meta.url));

/** `import … from './x.js'`, `export … from '../y.js'`, `import '../z.js'`, `import('../w.js')`. */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Tests and what only tests use (their fixtures, test databases, global setup): not the product's layout. */
const TEST_CODE = /(\.test|^test-support|^test-database|^test-global-setup|-fixture)\.ts$/;

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') && !TEST_CODE.test(entry.name) ? [path] : [];
  });
}

/** The top-level folder of a file under cloud/src, or undefined for the files at its root. */
function folderOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** Folder → folder edges, each with one import that makes it (for the failure message). */
function folderImports(files: readonly string[]): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = folderOf(file);
    if (from === undefined) continue;
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const to = folderOf(resolve(dirname(file), specifier as string));
      if (to === undefined || to === from) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${relative(SRC, file)} imports ${specifier}`);
      edges.set(from, out);
    }
  }
  return edges;
}

/** Every elementary cycle would be too many to read; one shortest cycle through each folder on one is enough. */
function cycles(edges: Map<string, Map<string, string>>): string[][] {
  const found = new Map<string, string[]>();
  for (const start of edges.keys()) {
    // Breadth-first from start's successors back to start: the shortest cycle through it.
    const previous = new Map<string, string>();
    const queue = [...(edges.get(start)?.keys() ?? [])];
    for (const next of queue) previous.set(next, start);
    while (queue.length > 0) {
      const at = queue.shift() as string;
      if (at === start) break;
      for (const next of edges.get(at)?.keys() ?? []) {
        if (previous.has(next)) continue;
        previous.set(next, at);
        queue.push(next);
      }
    }
    if (!previous.has(start)) continue;
    const cycle = [start];
    for (let at = previous.get(start) as string; at !== start; at = previous.get(at) as string) cycle.unshift(at);
    // The same cycle is found from each of its folders: keep it once, named from its smallest.
    const first = cycle.indexOf([...cycle].sort()[0] as string);
    const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
    found.set(rotated.join(' → '), rotated);
  }
  return [...found.values()];
}

describe('cloud/src layout', () => {
  it('has no import cycle between its top-level folders', () => {
    const edges = folderImports(modules(SRC));
    // The scan itself works: the HTTP kit is imported by the features that serve routes.
    expect(edges.get('people')?.has('http')).toBe(true);
    const described = cycles(edges).map((cycle) =>
      cycle
        .map((from, i) => {
          const to = cycle[(i + 1) % cycle.length] as string;
          return `${from} → ${to} (${edges.get(from)?.get(to)})`;
        })
        .join('; '),
    );
    expect(described).toEqual([]);
  });

  it('keeps the HTTP kit free of features: it depends on no folder that serves routes', () => {
    const edges = folderImports(modules(SRC));
    expect([...(edges.get('http')?.keys() ?? [])].sort()).toEqual(['db', 'i18n']);
  });
});
