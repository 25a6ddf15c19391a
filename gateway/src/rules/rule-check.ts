import { parseRuleFile, type RuleFile } from '@gridlink/protocol';
import { explainRuleFile } from '../cli/rules-report.js';
import type { RuleWebhookPolicy } from './webhook-policy.js';

/**
 * What `rules check` says of a rule file's text: every rule it holds, or every error as
 * `file:line:column: path: what`. The CLI prints it; the console's editor shows the same lines as
 * the installer types, so a message never differs between the two.
 */
export type RuleCheck =
  | { ok: true; file: RuleFile; report: string }
  | { ok: false; summary: string; errors: string[]; issues: RuleIssue[] };

/** One error of a rule file, split for an editor: where it is and which field it names. */
export interface RuleIssue {
  line: number;
  column: number;
  /** The field's path (`rules.0.condition.value`), absent for a YAML syntax error. */
  field?: string;
  message: string;
  /** The whole line as `rules check` prints it. */
  text: string;
}

/**
 * Checks a rule file's text as `name`. With the gateway's webhook policy, a webhook the gateway
 * would refuse is an error too (the CLI has no gateway configuration to check it against).
 */
export function checkRuleText(text: string, name: string, webhooks?: RuleWebhookPolicy): RuleCheck {
  const parsed = parseRuleFile(text, name);
  const errors = parsed.ok ? (webhooks?.problems(parsed.value, name) ?? []) : parsed.errors;
  if (parsed.ok && errors.length === 0) return { ok: true, file: parsed.value, report: explainRuleFile(parsed.value) };
  return {
    ok: false,
    summary: `${name}: rule file invalid (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`,
    errors,
    issues: errors.map((error) => ruleIssue(error, name)),
  };
}

/** `rules.yaml:12:14: rules.2.condition.value: expected number` → line 12, column 14, the field, the rest. */
export function ruleIssue(text: string, name: string): RuleIssue {
  const rest = (text.startsWith(`${name}:`) ? text.slice(name.length + 1) : text).trimStart();
  const at = /^(\d+):(\d+): (.*)$/s.exec(rest);
  const body = at?.[3] ?? rest;
  const field = /^([\w.-]+): (.*)$/s.exec(body);
  return {
    line: Number(at?.[1] ?? 1),
    column: Number(at?.[2] ?? 1),
    ...(field?.[1] !== undefined && /[.\d]|^[a-z_]+$/.test(field[1]) ? { field: field[1] } : {}),
    message: field?.[2] ?? body,
    text,
  };
}
