import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { formatIssue, toFieldIssues } from '../validation/issues.js';
import { RuleFile } from './rule.js';

export type RuleFileResult = { ok: true; value: RuleFile } | { ok: false; errors: string[] };

/**
 * Parses and validates a rule file. Every problem is reported as `file:line:column: path: what`,
 * e.g. `rules.yaml:12:14: rules.2.condition.value: expected number, received string "high"`,
 * so an installer can go straight to it.
 */
export function parseRuleFile(text: string, file = 'rules.yaml'): RuleFileResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const at = error.linePos?.[0];
        return `${file}:${at ? `${at.line}:${at.col}` : '1:1'}: ${error.message.split('\n')[0]}`;
      }),
    };
  }
  const parsed = RuleFile.safeParse(doc.toJS(), { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };

  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${line}:${col}`;
  };
  /** An unknown field is pointed at by its key, not its value. */
  const whereKey = (parent: readonly PropertyKey[], key: string) => {
    const map = doc.getIn(parent as Array<string | number>, true) ?? (parent.length === 0 ? doc.contents : undefined);
    if (isMap(map)) {
      const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
      const offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      if (offset !== undefined) return position(offset);
    }
    return where([...parent, key]);
  };
  const where = (path: readonly PropertyKey[]): string => {
    // The closest node that exists: a missing field points at the object that lacks it.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as Array<string | number>, true) as
        | { range?: [number, number, number] }
        | undefined;
      const offset = node?.range?.[0] ?? (depth === 0 ? doc.contents?.range?.[0] : undefined);
      if (offset !== undefined) return position(offset);
    }
    return '1:1';
  };
  const errors = parsed.error.issues.flatMap((issue) =>
    toFieldIssues({ issues: [issue] } as never).map((field) => {
      const at =
        issue.code === 'unrecognized_keys'
          ? whereKey(issue.path, field.path.split('.').at(-1) ?? '')
          : where(issue.path);
      return `${file}:${at}: ${formatIssue(field)}`;
    }),
  );
  return { ok: false, errors };
}
