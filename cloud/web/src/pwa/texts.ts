import { fill, lang } from '../i18n.js';

/** The offline pieces' texts (pending panel, offline notice), zh-CN first. */
const TEXTS = {
  pending: { zh: '待发送 {n} 项', en: '{n} waiting to send' },
  needsDecision: { zh: '{n} 项需要处理', en: '{n} need a decision' },
  allSent: { zh: '离线操作已全部发送', en: 'Everything saved offline was sent' },
  outbox: { zh: '待发送', en: 'Outbox' },
  outboxHint: {
    zh: '离线时的操作和照片保存在本机，联网后按顺序自动发送。',
    en: 'Steps and photos taken offline are kept on this phone and sent in order once the network is back.',
  },
  sendNow: { zh: '立即发送', en: 'Send now' },
  close: { zh: '收起', en: 'Close' },
  clearSent: { zh: '清除已发送', en: 'Clear the sent' },
  nothingPending: { zh: '没有待发送的内容。', en: 'Nothing waiting to be sent.' },
  state_pending: { zh: '待发送', en: 'Waiting' },
  state_sending: { zh: '发送中', en: 'Sending' },
  state_sent: { zh: '已发送', en: 'Sent' },
  state_refused: { zh: '被拒绝', en: 'Refused' },
  state_conflict: { zh: '有冲突', en: 'Conflict' },
  waitsFor: { zh: '等待「{label}」', en: 'Waits for “{label}”' },
  queuedAt: { zh: '保存于 {at}', en: 'Saved {at}' },
  nextTry: { zh: '网络恢复后自动发送', en: 'Goes out when the network is back' },
  retry: { zh: '重新发送', en: 'Send again' },
  retryOnNew: { zh: '按最新情况重新提交', en: 'Submit again on the new version' },
  discard: { zh: '放弃', en: 'Discard' },
  discardConfirm: {
    zh: '放弃后该操作{more}不会再发送，确定吗？',
    en: 'Discarded, this{more} will not be sent. Sure?',
  },
  discardMore: { zh: '及其后 {n} 项依赖它的操作', en: ' and the {n} that depend on it' },
  whatChanged: { zh: '期间的变化：', en: 'What changed meanwhile:' },
  changedBy: { zh: '{at} {who} {action}（第 {version} 版）', en: '{at} {who}: {action} (version {version})' },
  loadingChanges: { zh: '正在读取最新情况…', en: 'Reading what changed…' },
  storageFull: {
    zh: '手机存储空间不足，本次操作未能保存。请清理空间后重试。',
    en: 'The phone’s storage is full: this was NOT saved. Free some space and try again.',
  },
  storageUsed: { zh: '本机已用 {used} / 可用 {quota}', en: 'Storage {used} of {quota} used' },
  offlineShowing: {
    zh: '离线（网络连接失败）：显示的是 {at} 的内容。',
    en: 'Offline (the network is unreachable) — showing what was last updated at {at}.',
  },
  unsentHere: {
    zh: '本事件有尚未发送的内容「{label}」：发送或放弃后才能继续办理。',
    en: 'Something of this incident is not sent yet (“{label}”): send or discard it before the next step.',
  },
  waitsOnRefused: {
    zh: '已保存，但要等「{label}」处理后才能发送：它被拒绝了，请在上方“待发送”中查看。',
    en: 'Saved, but it waits for “{label}”, which was refused: see the outbox above.',
  },
  readCacheFull: {
    zh: '手机存储空间不足：最新内容未能保存到本机，离线时可能看不到。',
    en: 'The phone’s storage is full: the latest pages could not be kept for reading offline.',
  },
  unresolved: {
    zh: '前一项的回复中缺少本项需要的内容（{detail}），无法发送。',
    en: 'An earlier answer lacks what this needs ({detail}): it cannot be sent.',
  },
  signOutUnsentTitle: { zh: '还有未发送的内容', en: 'Not everything is sent' },
  signOutUnsent: {
    zh: '还有 {n} 项未发送。退出后它们仍保存在本机，但要等你再次登录才会发送。',
    en: '{n} not sent yet. They stay on this phone but go only once you sign in again.',
  },
  signOutAnyway: { zh: '仍然退出', en: 'Sign out anyway' },
  stay: { zh: '留下', en: 'Stay' },
  offlineSaved: {
    zh: '当前离线：操作和照片已保存在本机，联网后自动发送。',
    en: 'Offline: the step and its photos are saved on this phone and go out when the network is back.',
  },
  stepSent: { zh: '离线保存的操作已提交：{label}', en: 'Sent what was saved offline: {label}' },
  stepRefused: { zh: '「{label}」被拒绝：{reason}', en: '“{label}” was refused: {reason}' },
  stepConflict: { zh: '「{label}」有冲突：{reason}', en: 'Conflict on “{label}”: {reason}' },
};

export type PwaText = keyof typeof TEXTS;

export function pt(key: PwaText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}
