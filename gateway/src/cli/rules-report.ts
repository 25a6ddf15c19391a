import { type Action, type Rule, type RuleFile, type Selector, toTimestamp, type Where } from '@gridlink/protocol';
import type { ReplayResult } from '../rules/replay.js';
import { alignRows } from './table.js';

/**
 * Text for `rules check` and `rules test`: one line per rule saying what it does, and one line per
 * alert transition of a replay. Plain functions of their input, so tests compare exact text.
 */

/** `43200` → `12 h`, `300` → `5 min`, `60` → `60 s`. */
export function duration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function describeSelector(selector: Selector | undefined): string {
  if (!selector) return '';
  const parts: string[] = [];
  if (selector.kinds) parts.push(selector.kinds.join(','));
  if (selector.devices) parts.push(`devices=${selector.devices.join(',')}`);
  if (selector.community !== undefined) parts.push(`community=${selector.community}`);
  if (selector.building !== undefined) parts.push(`building=${selector.building}`);
  if (selector.unit !== undefined) parts.push(`unit=${selector.unit}`);
  if (selector.floor !== undefined) parts.push(`floor=${selector.floor}`);
  if (selector.tags) parts.push(`tags=${selector.tags.join(',')}`);
  return parts.join(' ');
}

function describeWhere(where: Where | undefined): string {
  if (!where) return '';
  const parts = Object.entries(where).flatMap(([field, expected]) =>
    typeof expected === 'object'
      ? Object.entries(expected).map(([op, value]) => `${field} ${op} ${value}`)
      : [`${field} = ${expected}`],
  );
  return ` where ${parts.join(' and ')}`;
}

export function describeCondition(condition: Rule['condition']): string {
  switch (condition.type) {
    case 'threshold': {
      const held = condition.for_s > 0 ? ` for ${duration(condition.for_s)}` : '';
      const clear = condition.clear ? ` (clears ${condition.clear.op} ${condition.clear.value})` : '';
      return `${condition.field} ${condition.op} ${condition.value}${held}${clear}`;
    }
    case 'event': {
      const clear = condition.clear_event
        ? `clears on ${condition.clear_event}`
        : `clears after ${duration(condition.clear_after_s)} quiet`;
      return `event ${condition.event}${describeWhere(condition.where)}, ${clear}`;
    }
    case 'count':
      return `event ${condition.event}${describeWhere(condition.where)} ≥ ${condition.at_least} times in ${duration(condition.window_s)}`;
    case 'absence': {
      const what = condition.event ? `event ${condition.event}${describeWhere(condition.where)}` : 'message';
      return `no ${what} for ${duration(condition.within_s)}`;
    }
    case 'correlation': {
      const entries = condition.of
        .map((entry) => {
          const who = entry.selector ? `${describeSelector(entry.selector)} ` : '';
          return `${who}event ${entry.event}${describeWhere(entry.where)}`;
        })
        .join(' + ');
      const devices = condition.at_least ?? Math.max(2, condition.of.length);
      return `${entries} from ${devices} devices in the same ${condition.same} within ${duration(condition.within_s)}`;
    }
  }
}

export function describeAction(action: Action): string {
  if (action.type === 'webhook') return `webhook ${action.url}`;
  const payload = Object.entries(action.command)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
  const to = describeSelector(action.target.selector);
  const where = action.target.same ? ` in the same ${action.target.same}` : '';
  return `command {${payload}} to ${to || where ? `${to || 'devices'}${where}` : 'the alerting device'}`;
}

/** `builtin.gas.lel  gas_detector  gas_lel >= 20 (clears < 10) → critical emergency.gas_leak; action: …` */
export function explainRule(rule: Rule): [string, string] {
  const parts = [`${describeCondition(rule.condition)} → ${rule.severity} ${rule.category}`];
  if (rule.schedule) {
    const periods = rule.schedule.periods.map(
      (period) => `${period.from}–${period.to}${period.days ? ` ${period.days.join(',')}` : ''}`,
    );
    parts.push(`active ${periods.join(', ')}`);
  }
  if (rule.repeat_every_s !== undefined) parts.push(`repeats every ${duration(rule.repeat_every_s)}`);
  if (rule.actions.length > 0) {
    parts.push(`${rule.actions.length === 1 ? 'action' : 'actions'}: ${rule.actions.map(describeAction).join(', ')}`);
  }
  const what = `${describeSelector(rule.selector)}  ${parts.join('; ')}`;
  return [rule.id, rule.enabled ? what : `(disabled) ${what}`];
}

/** `rules check` output for a valid file. */
export function explainRuleFile(file: RuleFile): string {
  const rules = `${file.rules.length} ${file.rules.length === 1 ? 'rule' : 'rules'} OK`;
  const suppressions = file.suppressions.length;
  const header =
    suppressions > 0 ? `${rules}, ${suppressions} ${suppressions === 1 ? 'suppression' : 'suppressions'}` : rules;
  return `${header}\n${alignRows(file.rules.map(explainRule))}`;
}

/** `rules test` output: one line per transition, then a summary. */
export function formatReplay(result: ReplayResult): string {
  const rows = result.transitions.map(({ at, transition }) => [
    toTimestamp(at),
    transition.type === 'updated' && transition.repeat ? 'repeated' : transition.type,
    transition.alert.rule_id,
    transition.alert.device_id,
    transition.alert.severity,
    transition.alert.message.zh,
  ]);
  const count = (type: string) => rows.filter((row) => row[1] === type).length;
  const records = `${result.replayed} ${result.replayed === 1 ? 'record' : 'records'} replayed`;
  const until = result.end === undefined ? '' : ` to ${toTimestamp(result.end)}`;
  const later = result.afterUntil > 0 ? ` (${result.afterUntil} after --until not replayed)` : '';
  const summary = `${records}${until}${later}: ${count('raised')} raised, ${count('cleared')} cleared, ${result.active.length} active at the end\n`;
  return `${alignRows(rows)}${summary}`;
}
