import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ROOT } from './compose-fixture.js';

/** deploy/monitoring: Prometheus' configuration, rules and their tests; Grafana's provisioning and dashboards. */
export const MONITORING = join(ROOT, 'deploy', 'monitoring');
export const PROMETHEUS_DIR = join(MONITORING, 'prometheus');
export const RULES_FILE = join(PROMETHEUS_DIR, 'rules', 'gridlink.yml');
export const RULE_TESTS_FILE = join(PROMETHEUS_DIR, 'tests', 'gridlink.test.yml');
export const GRAFANA_DIR = join(MONITORING, 'grafana');
export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function readAlertRules(): AlertRule[] {
  const file = YAML.parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr?: string; refId?: string; datasource?: { type: string; uid: string } }>;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating?: { list: Array<{ name: string; type: string; definition?: string }> };
}

/** The metric names a dashboard variable's `label_values(<selector>, <label>)` reads. */
export function variableMetricNames(definition: string): string[] {
  const match = /^label_values\((.*),\s*\w+\)$/.exec(definition.trim());
  if (!match) throw new Error(`not label_values(<selector>, <label>): ${definition}`);
  return metricNames(match[1] as string);
}

export function readDashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(DASHBOARDS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard }));
}

/** PromQL's words that are not metric names: operators, modifiers and aggregation clauses. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
]);

/**
 * The metric names a PromQL expression reads. Enough PromQL for these files: string literals,
 * label matchers, grouping lists and range selectors are removed, then every word that is not a
 * function call (a word before `(`) or a keyword is a metric name.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = bare.slice((match.index ?? 0) + word.length).trimStart();
    if (KEYWORDS.has(word) || after.startsWith('(')) continue;
    names.add(word);
  }
  return [...names];
}

/**
 * The metric names a Prometheus text exposition declares (its `# TYPE` lines, so metrics without a
 * sample yet count too), with the series histograms and summaries add.
 */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!match) continue;
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** The series Prometheus adds to every target itself, which no application exports. */
export const SCRAPE_SERIES = new Set(['up']);
