import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseRuleFile, type RuleFile } from '@gridlink/protocol';
import type { RuleWebhookPolicy } from './webhook-policy.js';

export type LoadedRules = { ok: true; files: RuleFile[] } | { ok: false; errors: string[] };

/**
 * Reads and validates every rule file, webhooks against the gateway's policy too; all problems of
 * all files are reported together.
 */
export function loadRuleFiles(paths: readonly string[], webhooks: RuleWebhookPolicy): LoadedRules {
  const files: RuleFile[] = [];
  const errors: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      errors.push(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    const parsed = parseRuleFile(text, path);
    if (!parsed.ok) errors.push(...parsed.errors);
    else {
      const refused = webhooks.problems(parsed.value, path);
      if (refused.length === 0) files.push(parsed.value);
      else errors.push(...refused);
    }
  }
  if (errors.length === 0) {
    const seen = new Map<string, string>();
    files.forEach((file, index) => {
      for (const rule of file.rules) {
        const other = seen.get(rule.id);
        if (other) errors.push(`${paths[index]}: rule id ${rule.id} is also defined in ${other}`);
        else seen.set(rule.id, paths[index] ?? '');
      }
    });
  }
  return errors.length === 0 ? { ok: true, files } : { ok: false, errors };
}

/**
 * Calls `onChange` (debounced) when any rule file changes. Watches the folders, not the files:
 * editors save by writing a new file and renaming it over the old one.
 */
export function watchRuleFiles(
  paths: readonly string[],
  onChange: () => void,
  debounceMs = 250,
  /** Folders where any `*.yaml` / `*.yml` is a rule file, one created later included. */
  folders: readonly string[] = [],
): () => void {
  const names = new Map<string, Set<string> | 'yaml'>();
  for (const folder of folders) names.set(folder, 'yaml');
  for (const path of paths) {
    const folder = dirname(path);
    const set = names.get(folder) ?? new Set<string>();
    if (set === 'yaml') continue;
    set.add(basename(path));
    names.set(folder, set);
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [folder, files] of names) {
    watchers.push(
      watch(folder, (_event, name) => {
        const changed = name?.toString();
        if (changed !== undefined && (files === 'yaml' ? !/\.ya?ml$/.test(changed) : !files.has(changed))) return;
        clearTimeout(timer);
        timer = setTimeout(onChange, debounceMs);
      }),
    );
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
