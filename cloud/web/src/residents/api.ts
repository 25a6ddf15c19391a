import type {
  PhoneCodeRequest,
  PhoneCodeSent,
  ResidentCategory,
  ResidentCommunity,
  ResidentPhoto,
  ResidentRatingRequest,
  ResidentReportReceipt,
  ResidentReportRequest,
  ResidentTracking,
} from '@gridlink/protocol';
import { call, Problem, sendFile } from '../api.js';
import { lang } from '../i18n.js';
import { rt } from './texts.js';

/** The residents' public API (no account), in the protocol's own shapes. */
export const residentsApi = {
  categories: () => call<{ categories: ResidentCategory[] }>('GET', '/residents/categories'),
  communities: () => call<{ communities: ResidentCommunity[]; sms: boolean }>('GET', '/residents/communities'),
  sendCode: (body: PhoneCodeRequest) => call<PhoneCodeSent>('POST', '/residents/phone-codes', body),
  photo: (file: File) => sendFile<ResidentPhoto>('POST', '/residents/photos', file, file.type),
  report: (body: ResidentReportRequest) => call<ResidentReportReceipt>('POST', '/residents/reports', body),
  track: (code: string) => call<ResidentTracking>('GET', `/residents/track/${encodeURIComponent(code)}`),
  rate: (code: string, body: ResidentRatingRequest) =>
    call<{ applied: string }>('POST', `/residents/track/${encodeURIComponent(code)}/rating`, body),
};

/** A refusal as a resident reads it: the server's words, and when to try again. */
export function residentError(err: unknown): string {
  if (err instanceof Problem) return err.retryAfter ? `${err.text}${rt('retryIn', { s: err.retryAfter })}` : err.text;
  if (err instanceof TypeError) return rt('offline');
  return err instanceof Error ? err.message : String(err);
}

/** A time in China's zone, short. */
export function residentTime(value: string): string {
  return new Date(value).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}
