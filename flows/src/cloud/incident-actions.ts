import {
  IncidentActionResult,
  IncidentReportBody,
  IncidentTransitionBody,
  ProtocolValidationError,
  parseWith,
} from '@gridlink/protocol';
import type { z } from 'zod';
import { Backoff, type BackoffOptions } from '../kit/backoff.js';
import type { CloudLink } from './cloud-link.js';
import { isTransient, problemOf } from './cloud-problem.js';

export interface IncidentActionsOptions {
  /** The cloud, with the token it is called with (a `gridlink-cloud` config node's link). */
  cloud: CloudLink;
  /** Tries after the first when the cloud is unreachable or busy (the request id makes a repeat harmless); default 2. */
  retries?: number;
  backoff?: BackoffOptions;
  /** `Accept-Language` for the problem details' text (the cloud defaults to zh-CN). */
  language?: string;
}

/**
 * Files reports and takes transitions on incidents through the cloud's API. Every request carries
 * a request id: the cloud answers a repeat with the first result and changes nothing, so a request
 * whose answer was lost is simply sent again. Bodies are checked against the protocol's schemas
 * before they leave; the cloud's refusals come back as {@link CloudProblem}s.
 */
export class IncidentActions {
  constructor(private readonly options: IncidentActionsOptions) {}

  /** `POST /incidents`: a new incident (201), or the one this request id filed already. */
  report(body: IncidentReportBody): Promise<IncidentActionResult> {
    return this.send('api/v1/incidents', checked(IncidentReportBody, body, 'report'));
  }

  /** `POST /incidents/{id}/transitions`: one step, refused when the incident's state or the caller's role does not allow it. */
  transition(incidentId: string, body: IncidentTransitionBody): Promise<IncidentActionResult> {
    if (incidentId === '') {
      throw new ProtocolValidationError('transition', [
        { path: 'incident_id', expected: 'the incident id, e.g. INC-20261125-000001', received: 'nothing' },
      ]);
    }
    return this.send(
      `api/v1/incidents/${encodeURIComponent(incidentId)}/transitions`,
      checked(IncidentTransitionBody, body, `transition of ${incidentId}`),
    );
  }

  private async send(path: string, body: unknown): Promise<IncidentActionResult> {
    const backoff = new Backoff(this.options.backoff ?? { minMs: 500, maxMs: 5000 });
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.post(path, body);
      } catch (error) {
        if (attempt >= retries || !isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff.next()));
      }
    }
  }

  private async post(path: string, body: unknown): Promise<IncidentActionResult> {
    const response = await this.options.cloud.fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(this.options.language ? { 'accept-language': this.options.language } : {}),
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await problemOf(response);
    const parsed = parseWith(IncidentActionResult, await response.json(), `POST ${path} answer`);
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  }
}

/** The body as the schema reads it, or a {@link ProtocolValidationError} naming each field at fault. */
function checked<S extends z.ZodType>(schema: S, body: unknown, context: string): z.output<S> {
  const parsed = parseWith(schema, body, context);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}
