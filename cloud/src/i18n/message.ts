import { z } from 'zod';

/** The interface languages: zh-CN first (the default), English second. */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/**
 * What the server says to people, stored as a code of the message catalogue and its parameters,
 * never as rendered text: it is rendered in the reader's language when read.
 */
export const Message = z.strictObject({
  code: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type Message = { code: string; params: Record<string, unknown> };

export const message = (code: string, params: Record<string, unknown> = {}): Message => ({ code, params });

/** A Message read back from a jsonb column; null for rows written before messages (their text stands). */
export function storedMessage(value: unknown): Message | null {
  const parsed = Message.safeParse(value);
  return parsed.success ? (parsed.data as Message) : null;
}
