import { call } from './api.js';

/** One who may take a dispatch or 改派 of an incident, as `GET /incidents/{id}/assignees` lists them. */
export interface Assignee {
  kind: 'disposal_unit' | 'grid_worker';
  /** What `data.assignee` takes. */
  id: string;
  name: { zh: string; en: string };
  /** The grid's worker on duty now. */
  on_duty: boolean;
}

/** The units and grid workers eligible for the incident's category and place; the API refuses anyone else. */
export async function assigneesOf(incidentId: string): Promise<Assignee[]> {
  const answer = await call<{ assignees: Assignee[] }>('GET', `/incidents/${encodeURIComponent(incidentId)}/assignees`);
  return answer.assignees;
}
