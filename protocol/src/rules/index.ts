export { Action } from './actions.js';
export { Comparison, Condition, Where } from './conditions.js';
export { parseRuleFile, type RuleFileResult } from './parse-rule-file.js';
export { Rule, RuleFile, type RuleInput } from './rule.js';
export { Schedule, Suppression, Weekday } from './schedule.js';
export { SamePlace, Selector } from './selector.js';
