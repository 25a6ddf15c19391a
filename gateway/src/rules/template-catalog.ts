import type { RuleInput } from '@gridlink/protocol';
import { isSeq, parseDocument, YAMLSeq } from 'yaml';
import { builtinRules, compactStyle, DEFAULT_TEMPLATE_PARAMS, type TemplateParams } from './templates.js';

type Text = { zh: string; en: string };

/** One parameter of the built-in templates, as a form shows it. */
export interface TemplateParam {
  key: keyof TemplateParams;
  name: Text;
  /** A number (with its unit) or a local time of day (`22:00`). */
  type: 'number' | 'time';
  unit: string;
  default: number | string;
}

/** A built-in template and the parameters that change it. */
export interface RuleTemplate {
  /** The rule id it produces (`builtin.gas.lel`). */
  id: string;
  name: Text;
  severity: string;
  category: string;
  kinds: string[];
  params: TemplateParam[];
}

/** Each parameter's name and unit; the type check keeps this table complete. */
const PARAMS: Record<keyof TemplateParams, { name: Text; unit: string }> = {
  smokeCorrelationWindowS: { name: { zh: '两个烟感报警的时间窗', en: 'Window for two smoke alarms' }, unit: 's' },
  gasLelPercent: { name: { zh: '燃气报警浓度', en: 'Gas alarm at' }, unit: '%LEL' },
  gasClearLelPercent: { name: { zh: '燃气解除浓度（低于）', en: 'Gas clears below' }, unit: '%LEL' },
  manholeTiltDeg: { name: { zh: '井盖倾斜角度（超过）', en: 'Manhole tilt above' }, unit: '°' },
  manholeTiltForS: { name: { zh: '倾斜持续时间', en: 'Tilted for at least' }, unit: 's' },
  manholeClearDeg: { name: { zh: '井盖复位角度（低于）', en: 'Manhole clears below' }, unit: '°' },
  hydrantLowKpa: { name: { zh: '消防水压过低（低于）', en: 'Hydrant pressure low below' }, unit: 'kPa' },
  hydrantLowForS: { name: { zh: '水压过低持续时间', en: 'Low for at least' }, unit: 's' },
  hydrantClearKpa: { name: { zh: '水压恢复（不低于）', en: 'Pressure clears at' }, unit: 'kPa' },
  fireLaneRepeatS: { name: { zh: '消防通道占用重复提醒间隔', en: 'Fire lane reminder every' }, unit: 's' },
  fireLaneLongS: { name: { zh: '消防通道长时间占用', en: 'Fire lane occupied longer than' }, unit: 's' },
  fireLaneRepeatCount: { name: { zh: '消防通道占用次数', en: 'Fire lane occupations' }, unit: '次 / times' },
  fireLaneRepeatWindowS: { name: { zh: '占用次数统计时间窗', en: 'Occupations counted over' }, unit: 's' },
  ebikeHoldOpenS: { name: { zh: '电动车进电梯时开门保持', en: 'Hold lift door open for' }, unit: 's' },
  elderlyNoWaterS: { name: { zh: '独居老人未用水时长', en: 'No water use for' }, unit: 's' },
  elderlyDoorS: { name: { zh: '独居老人未开门时长', en: 'Door not opened for' }, unit: 's' },
  doorHeldOpenS: { name: { zh: '门禁开门过久', en: 'Door held open for' }, unit: 's' },
  afterHoursFrom: { name: { zh: '夜间时段开始', en: 'After hours from' }, unit: '' },
  afterHoursTo: { name: { zh: '夜间时段结束', en: 'After hours until' }, unit: '' },
  lowBatteryPercent: { name: { zh: '低电量（低于）', en: 'Low battery below' }, unit: '%' },
  lowBatteryForS: { name: { zh: '低电量持续时间', en: 'Low for at least' }, unit: 's' },
  lowBatteryClearPercent: { name: { zh: '电量恢复（不低于）', en: 'Battery clears at' }, unit: '%' },
};

const KEYS = Object.keys(DEFAULT_TEMPLATE_PARAMS) as Array<keyof TemplateParams>;

/** A value no default equals, to see which templates a parameter reaches. */
function probe(key: keyof TemplateParams): number | string {
  const value = DEFAULT_TEMPLATE_PARAMS[key];
  return typeof value === 'number' ? value + 7919 : '03:17';
}

/**
 * The built-in templates with their parameters. Which parameters shape which template is found by
 * rendering each one changed, so the list cannot drift from the templates themselves.
 */
export function templateCatalog(): RuleTemplate[] {
  const base = builtinRules();
  const reaches = new Map<string, Array<keyof TemplateParams>>();
  for (const key of KEYS) {
    const changed = builtinRules({ [key]: probe(key) });
    changed.forEach((rule, index) => {
      if (JSON.stringify(rule) === JSON.stringify(base[index])) return;
      reaches.set(rule.id, [...(reaches.get(rule.id) ?? []), key]);
    });
  }
  return base.map((rule) => ({
    id: rule.id,
    name: rule.name,
    severity: rule.severity,
    category: rule.category,
    kinds: [...(rule.selector?.kinds ?? [])],
    params: (reaches.get(rule.id) ?? []).map((key) => {
      const value = DEFAULT_TEMPLATE_PARAMS[key];
      return { key, ...PARAMS[key], type: typeof value === 'number' ? 'number' : 'time', default: value };
    }),
  }));
}

export type RenderedTemplate = { ok: true; rule: RuleInput } | { ok: false; errors: string[] };

/** One template with the installer's values, each checked and named when refused. */
export function renderTemplate(id: string, values: Record<string, unknown>): RenderedTemplate {
  const template = templateCatalog().find((candidate) => candidate.id === id);
  if (!template) return { ok: false, errors: [`template: no built-in template ${JSON.stringify(id).slice(0, 80)}`] };
  const params: Partial<Record<keyof TemplateParams, number | string>> = {};
  const errors: string[] = [];
  for (const param of template.params) {
    const value = values[param.key];
    if (value === undefined || value === '') continue;
    if (param.type === 'number') {
      const number = typeof value === 'number' ? value : Number(value);
      if (typeof value === 'boolean' || !Number.isFinite(number) || number <= 0) {
        errors.push(`params.${param.key}: expected a number above 0, received ${JSON.stringify(value)}`);
      } else params[param.key] = number;
    } else if (typeof value !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) {
      errors.push(`params.${param.key}: expected a time of day like 22:00, received ${JSON.stringify(value)}`);
    } else params[param.key] = value;
  }
  if (errors.length > 0) return { ok: false, errors };
  const rule = builtinRules(params as Partial<TemplateParams>).find((candidate) => candidate.id === id);
  if (!rule) return { ok: false, errors: [`template: no built-in template ${id}`] };
  return { ok: true, rule };
}

/**
 * `text` with `rule` added at the end of its `rules` list, its comments and layout kept; a new
 * file when `text` is empty. Refused (with the reason) when the text is not YAML to add to.
 */
export function addRule(text: string, rule: RuleInput): { ok: true; text: string } | { ok: false; error: string } {
  const doc = text.trim() === '' ? parseDocument('version: 1\nrules: []\n') : parseDocument(text);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      error: `text: the file is not valid YAML yet (${doc.errors[0]?.message.split('\n')[0]}); fix it first`,
    };
  }
  const rules = doc.get('rules', true);
  if (rules !== undefined && !isSeq(rules)) return { ok: false, error: 'rules: expected a list of rules to add to' };
  const node = doc.createNode(rule);
  compactStyle(node);
  if (rules === undefined) doc.set('rules', new YAMLSeq());
  const list = doc.get('rules', true) as YAMLSeq;
  // An empty flow list (`rules: []`) becomes a block list once it holds a rule.
  list.flow = false;
  list.items.push(node);
  return { ok: true, text: doc.toString({ lineWidth: 0 }) };
}
