import { call, type Incident } from './api.js';
import { randomId } from './ids.js';

/** The steps 受理 → 立案 → 派遣, keyed by the state each one is taken from. */
const NEXT: Record<string, string> = { REPORTED: 'accept', ACCEPTED: 'file', FILED: 'dispatch' };
export const ONE_STEP_ACTIONS = ['accept', 'file', 'dispatch'] as const;

interface Actions {
  version: number;
  state: string;
  actions: Array<{ action: string }>;
}

/**
 * Accept, file and dispatch a reported incident to `assignee`, one transition after the other, as
 * the API allows each. Safe to call again after a failure: each step keeps its request id, and the
 * incident's state says which steps are done, so a retry resumes where it stopped. Resolves to the
 * incident as it ends up: automatic dispatch may have sent it to someone else between 立案 and 派遣,
 * which the caller should say. Throws the API's refusal (a policy that wants a step taken apart,
 * an assignee no longer eligible, someone else's change meanwhile).
 */
export class OneStepDispatch {
  private readonly requestIds = Object.fromEntries(ONE_STEP_ACTIONS.map((a) => [a, randomId(`web-intake-${a}`)]));

  constructor(private readonly incidentId: string) {}

  private path(rest: string) {
    return `/incidents/${encodeURIComponent(this.incidentId)}${rest}`;
  }

  /** Whether the user may take the first step now (the rest is checked as each step comes). */
  async offered(): Promise<boolean> {
    const now = await call<Actions>('GET', this.path('/actions'));
    const next = NEXT[now.state];
    return next !== undefined && now.actions.some((a) => a.action === next);
  }

  async run(assignee: string): Promise<Incident> {
    for (;;) {
      const now = await call<Actions>('GET', this.path('/actions'));
      const action = NEXT[now.state];
      if (action === undefined) return (await call<{ incident: Incident }>('GET', this.path(''))).incident;
      if (!now.actions.some((a) => a.action === action)) throw new StepNotOffered(action, now.state);
      await call('POST', this.path('/transitions'), {
        action,
        request_id: this.requestIds[action],
        expected_version: now.version,
        ...(action === 'dispatch' ? { data: { assignee } } : {}),
      });
    }
  }
}

/** The user may not take `action` now (the tenant's policy or their role): the incident page goes on. */
export class StepNotOffered extends Error {
  constructor(
    readonly action: string,
    readonly state: string,
  ) {
    super(`${action} is not offered in ${state}`);
  }
}
