import type { Request } from 'express';
import type { Language } from '../i18n/message.js';
import { languageOf } from '../i18n/render.js';

/** The reader's language: their `Accept-Language` (the web pages send the one they show), zh-CN by default. */
export const languageOfRequest = (req: Request): Language => languageOf(req.get('accept-language'));
