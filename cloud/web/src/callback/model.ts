/** One incident of `GET /callbacks/queue`, as the API sends it. */
export interface CallbackItem {
  id: string;
  version: number;
  title: string;
  category: string;
  source: string;
  community: string | null;
  grid: string | null;
  address: string | null;
  closed_at: string;
  due_by: string | null;
  light: 'green' | 'yellow' | 'red' | null;
  reporter_phone_masked: string | null;
  may_reveal: boolean;
}

/** The satisfaction levels, in the order the form offers them. */
export const SATISFACTIONS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
export type Satisfaction = (typeof SATISFACTIONS)[number];

/** `POST /callbacks/{id}/verdict`'s answer: the step the verdict became. */
export interface VerdictAnswer {
  incident_id: string;
  action: 'callbackSatisfied' | 'callbackUnsatisfied';
  state: string;
  version: number;
  repeated: boolean;
}
