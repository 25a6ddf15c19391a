import { ProblemDetails } from '@gridlink/protocol';

/**
 * A refusal by the cloud's API, with its problem details (RFC 9457): `code` is what to branch on,
 * `detail` what to show a person, `errors` the fields at fault.
 */
export class CloudProblem extends Error {
  override readonly name = 'CloudProblem';

  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
    /** The `Retry-After` header (seconds), when the cloud sent one. */
    readonly retryAfter?: string,
  ) {
    super(describe(status, problem));
  }

  get code(): string {
    return this.problem.code;
  }
}

function describe(status: number, problem: ProblemDetails): string {
  const fields = (problem.errors ?? [])
    .map((error) => `${error.pointer ?? error.parameter ?? ''}: ${error.detail}`.replace(/^: /, ''))
    .join('; ');
  return `${status} ${problem.code}: ${problem.detail}${fields ? ` (${fields})` : ''}`;
}

/**
 * The problem a refused response carries; a body that is no problem document (a proxy's page, an
 * empty 502) still becomes one, with the status and the start of what came back.
 */
export async function problemOf(response: Response): Promise<CloudProblem> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  const parsed = ProblemDetails.safeParse(body);
  if (parsed.success) return new CloudProblem(response.status, parsed.data, retryAfter);
  return new CloudProblem(
    response.status,
    {
      type: 'about:blank',
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      code: `HTTP_${response.status}`,
      detail: text.slice(0, 200) || response.statusText || `HTTP ${response.status}`,
    },
    retryAfter,
  );
}

/** Whether trying again later may succeed: the cloud busy, starting, stopping or unreachable. */
export function isTransient(error: unknown): boolean {
  if (error instanceof CloudProblem) return error.status === 429 || error.status >= 500;
  // fetch fails with a TypeError (cause: ECONNREFUSED, ECONNRESET…) when no answer came at all.
  return error instanceof TypeError;
}
