import type { HttpPlugin } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { INCIDENT_STREAM_PATHS } from './openapi.js';
import { incidentStreamRoutes } from './routes.js';
import type { IncidentStreams } from './streams.js';

/** `GET /incidents/stream`: the live incident list. */
export const incidentStreamPlugin: HttpPlugin<{
  people: People;
  /** The live incident streams; without them the route is absent. */
  incidentStreams?: IncidentStreams;
}> = {
  name: 'incident-stream',
  routes: ({ people, incidentStreams }) => incidentStreams && incidentStreamRoutes(people, incidentStreams),
  openapi: { paths: INCIDENT_STREAM_PATHS },
};
