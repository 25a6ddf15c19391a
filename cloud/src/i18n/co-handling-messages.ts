import type { Template } from './catalogue.js';

/** What co-handling (多部门联动) says to people, zh-CN first; part of the cloud's message catalogue. */
export const CO_HANDLING_MESSAGES: Record<string, Template> = {
  'co.unit_unknown': {
    'zh-CN': '没有处置单位 {unit}：请从处置单位列表中选择',
    en: 'there is no disposal unit {unit}: choose one from the list of disposal units',
  },
  'co.unit_is_lead': {
    'zh-CN': '单位 {unit} 是本事件的主办单位，不能同时作为协办单位',
    en: 'unit {unit} is the lead unit of this incident: it cannot also be a co-handling unit',
  },
  'co.unit_has_task': {
    'zh-CN': '单位 {unit} 在本事件已有未完成的协办任务',
    en: 'unit {unit} already has an open co-handling task on this incident',
  },
  'co.deadline_past': {
    'zh-CN': '办理期限必须晚于现在',
    en: 'the deadline must be later than now',
  },
  'co.task_not_found': {
    'zh-CN': '协办任务 {task} 不存在，或不属于您的单位',
    en: 'co-handling task {task} does not exist or is not your unit’s',
  },
  'co.task_state': {
    'zh-CN': '协办任务 {task} 当前为“{state@co_task_state}”，不能执行“{action@co_task_action}”',
    en: 'co-handling task {task} is {state@co_task_state}: it cannot be {action@co_task_action}',
  },
  'co.feedback_empty': {
    'zh-CN': '反馈需要文字说明或至少一张照片',
    en: 'feedback needs text or at least one photo',
  },
  'co.attachment_unknown': {
    'zh-CN': '照片不是为事件 {id} 上传的：请先上传到该事件',
    en: 'a photo was not uploaded for incident {id}: upload it to that incident first',
  },
  'co.override_state': {
    'zh-CN': '事件 {id} 当前为“{state@state}”，已无需放行',
    en: 'incident {id} is {state@state}: there is nothing left to let through',
  },
  'co.override_nothing_open': {
    'zh-CN': '事件 {id} 没有未完成的协办任务，无需放行',
    en: 'incident {id} has no open co-handling task: nothing to override',
  },
  'co.gate_open': {
    'zh-CN': '事件 {id} 仍有协办单位未办结（{units}）：请等待协办单位反馈办结，或由指挥中心填写理由后放行',
    en: 'incident {id} still has open co-handling tasks ({units}): wait for them to be done, or have the centre override with a reason',
  },
  'co.incident_state': {
    'zh-CN': '事件 {id} 当前为“{state@state}”：仅在已派遣或处置中时可安排协办单位',
    en: 'incident {id} is {state@state}: co-handling units are named only while it is dispatched or in progress',
  },
  'co.operators_only': {
    'zh-CN': '仅事件所在辖区的指挥中心值班员可安排协办、改派或放行',
    en: 'only operators of the incident’s territory name co-handling units, reassign or override',
  },
  'co.period_order': {
    'zh-CN': '结束时间必须晚于开始时间',
    en: 'must be later than the start of the period',
  },
};

/** Value names the co-handling messages use (`{state@co_task_state}`, `{action@co_task_action}`). */
export const CO_HANDLING_VALUES: Record<string, Record<string, Template>> = {
  co_task_state: {
    assigned: { 'zh-CN': '待接收', en: 'assigned' },
    accepted: { 'zh-CN': '办理中', en: 'accepted' },
    done: { 'zh-CN': '已办结', en: 'done' },
    refused: { 'zh-CN': '已退回', en: 'refused' },
    reassigned: { 'zh-CN': '已改派', en: 'reassigned' },
  },
  co_task_action: {
    accept: { 'zh-CN': '接收', en: 'accepted' },
    feedback: { 'zh-CN': '反馈', en: 'given feedback' },
    done: { 'zh-CN': '办结', en: 'reported done' },
    refuse: { 'zh-CN': '退回', en: 'refused' },
    reassign: { 'zh-CN': '改派', en: 'reassigned' },
  },
};

/** The co-handling steps' names, for the incident's history. */
export const CO_STEP_NAMES: Record<string, Template> = {
  coAssign: { 'zh-CN': '安排协办', en: 'name co-handling units' },
  coAccept: { 'zh-CN': '协办接收', en: 'accept a co-task' },
  coFeedback: { 'zh-CN': '协办反馈', en: 'co-task feedback' },
  coDone: { 'zh-CN': '协办办结', en: 'co-task done' },
  coRefuse: { 'zh-CN': '协办退回', en: 'refuse a co-task' },
  coReassign: { 'zh-CN': '协办改派', en: 'reassign a co-task' },
  coOverride: { 'zh-CN': '协办放行', en: 'override the co-handling gate' },
  coOverdue: { 'zh-CN': '协办超时督办', en: 'co-task overdue' },
};
