import type { Language } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { Incident, IncidentStep } from './index.js';

/**
 * The incident as `language` reads it: what the cloud wrote (a device's title, say) rendered from
 * its message; what people wrote stays as they wrote it. The messages themselves stay inside.
 */
export function localIncident<T extends Incident>(incident: T, language: Language) {
  const { titleMessage, descriptionMessage, ...rest } = incident;
  return {
    ...rest,
    title: titleMessage ? render(titleMessage, language) : incident.title,
    description: descriptionMessage ? render(descriptionMessage, language) : incident.description,
  };
}

/** The step as `language` reads it: the cloud's own comments rendered from their messages. */
export function localStep(step: IncidentStep, language: Language) {
  const { commentMessage, ...rest } = step;
  return { ...rest, comment: commentMessage ? render(commentMessage, language) : step.comment };
}
