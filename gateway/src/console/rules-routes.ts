import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseRuleFile, type RuleFile, Timestamp, toTimestamp } from '@gridlink/protocol';
import { describeAction, explainRule, formatReplay } from '../cli/rules-report.js';
import { replayEvents } from '../rules/replay.js';
import { checkRuleText, type RuleCheck, type RuleIssue, ruleIssue } from '../rules/rule-check.js';
import { RuleFolderError, ruleFileNameProblem } from '../rules/rule-folder.js';
import type { RulesModule } from '../rules/rules-module.js';
import { addRule, renderTemplate, templateCatalog } from '../rules/template-catalog.js';
import type { DeviceHistory } from './device-history.js';
import { BadRequest, ConsoleProblem, type ConsoleRoute, json, readJson } from './http-kit.js';

/** A rule file can be long (the built-in templates are 10 KiB); a form's 16 KiB is not enough. */
const RULE_TEXT_BYTES = 512 * 1024;

/** A rule file as the console lists it: its text and whether the gateway runs it. */
export interface ConsoleRuleFile {
  /** The name in the rules folder (`night.yaml`), or the configured path of a file outside it. */
  name: string;
  /** `folder`: the console edits it; `config`: listed in `rules.files` outside the folder; `cloud`: sent by the cloud. */
  source: 'folder' | 'config' | 'cloud';
  text: string;
  /** loaded: in force; broken: refused (its errors below); waiting: valid, but another file is broken. */
  state: 'loaded' | 'broken' | 'waiting';
  issues: RuleIssue[];
  rules: number;
}

export interface ConsoleRules {
  /** Rules the gateway runs now (the last set that loaded when a file is broken). */
  inForce: number;
  load: { ok: boolean; at: string; errors: string[] };
  files: ConsoleRuleFile[];
}

/** What the editor shows as the installer types: `rules check`'s lines, split per error. */
export type ConsoleRuleCheck =
  | { ok: true; report: string; rules: Array<{ id: string; what: string }> }
  | { ok: false; summary: string; errors: string[]; issues: RuleIssue[] };

export interface ConsoleDryRun {
  /** `rules test`'s output for the same records. */
  report: string;
  replayed: number;
  problems: Array<{ line: number; message: string }>;
  transitions: Array<{
    at: string;
    type: 'raised' | 'updated' | 'repeated' | 'cleared';
    ruleId: string;
    deviceId: string;
    severity: string;
    message: { zh: string; en: string };
    /** What the rule would do on raising (commands, webhooks): described, never sent. */
    actions: string[];
  }>;
  active: number;
}

export interface RulesRoutesOptions {
  rules: RulesModule;
  /** Each device's recent messages, replayed by the dry run. */
  history: DeviceHistory;
  timeZone: string;
  now: () => number;
}

const text = (body: Record<string, unknown>): string => {
  if (typeof body.text !== 'string') throw new BadRequest('text: send the rule file’s text as a string');
  return body.text;
};

/**
 * The rules page's API: the rule files with their load state, `rules check` as the installer
 * types, the built-in templates, a dry run (`rules test`) on a device's recorded messages, and
 * saving into the rules folder with a hot reload. Checking, templates and dry runs serve editing,
 * so like saving they are an installer's.
 */
export function rulesRoutes(options: RulesRoutesOptions): ConsoleRoute[] {
  const { rules } = options;
  const folder = rules.folder;

  const nameOf = (path: string) => (folder.holds(path) ? basename(path) : path);
  const sourceOf = (path: string): ConsoleRuleFile['source'] =>
    path === rules.cloudRulesPath ? 'cloud' : folder.holds(path) ? 'folder' : 'config';

  /** The other files' rules, to refuse an id defined twice as the loader would. */
  const duplicateIds = (name: string, file: RuleFile): string[] => {
    const errors: string[] = [];
    for (const path of rules.ruleFiles().paths) {
      // Itself: a folder file by its name, a configured one by its path as configured.
      if (path === name || path === join(folder.dir, name)) continue;
      let other: ReturnType<typeof parseRuleFile>;
      try {
        other = parseRuleFile(readFileSync(path, 'utf8'), nameOf(path));
      } catch {
        continue;
      }
      if (!other.ok) continue;
      const ids = new Set(other.value.rules.map((rule) => rule.id));
      for (const rule of file.rules) {
        if (ids.has(rule.id)) errors.push(`${name}: rule id ${rule.id} is also defined in ${nameOf(path)}`);
      }
    }
    return errors;
  };

  /** `rules check` on the text, then what the gateway adds: its webhook policy and ids unique across files. */
  const check = (name: string, source: string): RuleCheck => {
    const checked = checkRuleText(source, name, rules.webhookPolicy);
    if (!checked.ok) return checked;
    const errors = duplicateIds(name, checked.file);
    if (errors.length === 0) return checked;
    return {
      ok: false,
      summary: `${name}: rule file invalid (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`,
      errors,
      issues: errors.map((error) => ruleIssue(error, name)),
    };
  };

  const answerCheck = (checked: RuleCheck): ConsoleRuleCheck =>
    checked.ok
      ? {
          ok: true,
          report: checked.report,
          rules: checked.file.rules.map((rule) => {
            const [id, what] = explainRule(rule);
            return { id, what: what.trim() };
          }),
        }
      : { ok: false, summary: checked.summary, errors: checked.errors, issues: checked.issues };

  const refuse = (checked: Extract<RuleCheck, { ok: false }>): never => {
    throw new ConsoleProblem(422, 'GL_RULE_FILE_INVALID', `${checked.summary}: ${checked.errors[0] ?? ''}`);
  };

  const listing = (): ConsoleRules => {
    const { paths, inForce, load } = rules.ruleFiles();
    const files = paths.map((path): ConsoleRuleFile => {
      const name = nameOf(path);
      let source: string;
      try {
        source = readFileSync(path, 'utf8');
      } catch (err) {
        const error = `${name}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
        return { name, source: sourceOf(path), text: '', state: 'broken', issues: [ruleIssue(error, name)], rules: 0 };
      }
      const checked = check(name, source);
      const issues = checked.ok ? [] : checked.issues;
      return {
        name,
        source: sourceOf(path),
        text: source,
        state: issues.length > 0 ? 'broken' : load.ok ? 'loaded' : 'waiting',
        issues,
        rules: checked.ok ? checked.file.rules.length : 0,
      };
    });
    return {
      inForce,
      load: {
        ok: load.ok,
        at: toTimestamp(load.at),
        errors: load.ok ? [] : load.errors.map((e) => e.replaceAll(`${folder.dir}/`, '')),
      },
      files,
    };
  };

  const fileName = (name: string | undefined) => {
    const problem = ruleFileNameProblem(name ?? '');
    if (problem !== undefined) throw new BadRequest(problem);
    return name as string;
  };

  const reloaded = () => {
    const result = rules.reload();
    return result.ok ? { ok: true, rules: result.rules } : { ok: false, errors: result.errors };
  };

  return [
    {
      method: 'GET',
      pattern: /^\/api\/console\/rules$/,
      change: false,
      handle: ({ res }) => json(res, 200, listing()),
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/rules\/templates$/,
      change: false,
      handle: ({ res }) => json(res, 200, { templates: templateCatalog() }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/rules\/recorded$/,
      change: false,
      handle: ({ res }) => json(res, 200, { devices: options.history.summary() }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/rules\/check$/,
      change: true,
      handle: async ({ req, res }) => {
        const body = await readJson(req, RULE_TEXT_BYTES);
        const name = typeof body.name === 'string' && body.name !== '' ? body.name : 'rules.yaml';
        json(res, 200, answerCheck(check(name.slice(0, 200), text(body))));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/rules\/templates\/add$/,
      change: true,
      handle: async ({ req, res }) => {
        const body = await readJson(req, RULE_TEXT_BYTES);
        const template = typeof body.template === 'string' ? body.template : '';
        const params = typeof body.params === 'object' && body.params !== null ? body.params : {};
        const rendered = renderTemplate(template, params as Record<string, unknown>);
        if (!rendered.ok) throw new BadRequest(rendered.errors.join('; '));
        const added = addRule(typeof body.text === 'string' ? body.text : '', rendered.rule);
        if (!added.ok) throw new BadRequest(added.error);
        json(res, 200, { text: added.text });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/rules\/dry-run$/,
      change: true,
      handle: async ({ req, res }) => {
        const body = await readJson(req, RULE_TEXT_BYTES);
        const name = typeof body.name === 'string' && body.name !== '' ? body.name.slice(0, 200) : 'rules.yaml';
        const checked = check(name, text(body));
        if (!checked.ok) return refuse(checked);
        let lines: string[];
        let until: number | undefined;
        if (typeof body.device === 'string' && body.device !== '') {
          const recorded = options.history.recorded(body.device);
          if (recorded.length === 0) {
            throw new BadRequest(
              `device: ${body.device.slice(0, 80)} has sent nothing since the gateway started; choose another or paste messages`,
            );
          }
          lines = recorded.map((record) => JSON.stringify(record));
          // Simulated time runs on to now: an absence or a duration since the last message counts.
          until = options.now();
        } else if (typeof body.messages === 'string' && body.messages.trim() !== '') {
          lines = body.messages.split(/\r?\n/);
          if (typeof body.until === 'string' && body.until !== '') {
            if (!Timestamp.safeParse(body.until).success) {
              throw new BadRequest(
                `until: an ISO-8601 UTC time like 2026-11-25T14:52:18.646Z, not "${body.until.slice(0, 40)}"`,
              );
            }
            until = Date.parse(body.until);
          }
        } else {
          throw new BadRequest(
            'device: choose a device with recorded messages, or paste messages (one JSON record a line)',
          );
        }
        const result = replayEvents(checked.file, lines, {
          timeZone: options.timeZone,
          baseTopic: options.history.baseTopic,
          ...(until !== undefined ? { until } : {}),
        });
        const byId = new Map(checked.file.rules.map((rule) => [rule.id, rule]));
        const answer: ConsoleDryRun = {
          report: formatReplay(result),
          replayed: result.replayed,
          problems: result.problems,
          transitions: result.transitions.map(({ at, transition }) => ({
            at: toTimestamp(at),
            type: transition.type === 'updated' && transition.repeat ? 'repeated' : transition.type,
            ruleId: transition.alert.rule_id,
            deviceId: transition.alert.device_id,
            severity: transition.alert.severity,
            message: transition.alert.message,
            actions:
              transition.type === 'raised'
                ? (byId.get(transition.alert.rule_id)?.actions ?? []).map(describeAction)
                : [],
          })),
          active: result.active.length,
        };
        json(res, 200, answer);
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/rules\/files\/([^/]+)$/,
      change: true,
      handle: async ({ req, res, params, audit }) => {
        const name = fileName(params[0]);
        const body = await readJson(req, RULE_TEXT_BYTES);
        const source = text(body);
        if (body.create === true && folder.read(name) !== undefined) {
          throw new ConsoleProblem(
            409,
            'GL_RULE_FILE_EXISTS',
            `name: ${name} already exists in the rules folder; choose another name`,
          );
        }
        const checked = check(name, source);
        // A broken file is never written: the gateway would refuse it and keep the rules in force anyway.
        if (!checked.ok) return refuse(checked);
        writeRuleFile(name, source);
        const reload = reloaded();
        audit(body.create === true ? 'rules.create' : 'rules.save', name, `${checked.file.rules.length} rules`);
        json(res, 200, { reload, rules: listing() });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/rules\/files\/([^/]+)\/delete$/,
      change: true,
      handle: ({ res, params, audit }) => {
        const name = fileName(params[0]);
        if (!removeRuleFile(name))
          throw new ConsoleProblem(404, 'GL_NOT_FOUND', `name: no rule file ${name} in the rules folder`);
        const reload = reloaded();
        audit('rules.delete', name);
        json(res, 200, { reload, rules: listing() });
      },
    },
  ];

  function writeRuleFile(name: string, source: string): void {
    try {
      folder.write(name, source);
    } catch (err) {
      if (err instanceof RuleFolderError) throw new BadRequest(err.message);
      throw err;
    }
  }

  function removeRuleFile(name: string): boolean {
    try {
      return folder.remove(name);
    } catch (err) {
      if (err instanceof RuleFolderError) throw new BadRequest(err.message);
      throw err;
    }
  }
}
