import { problem, unavailable } from '../http/openapi-parts.js';
import { DEFAULT_STREAM_LIMITS } from './streams.js';

const { perUser, replayMax, bufferBytes } = DEFAULT_STREAM_LIMITS;

/** `GET /incidents/stream` for `/openapi.json`. */
export const INCIDENT_STREAM_PATHS = {
  '/api/v1/incidents/stream': {
    get: {
      summary: 'Created and changed incidents the caller’s list shows, live, as Server-Sent Events',
      description: [
        'Scoped exactly as `GET /incidents`; changes made through any cloud replica arrive.',
        '`event: incident` with `id: <change number>` and data `{id, version, state, category, severity, grid, community, updated_at}` (no personal data; read the incident for the rest).',
        '`event: ready` once connected (its `id` is where a new client starts); a comment every 25 s.',
        `Reconnect with \`Last-Event-ID\`: up to ${replayMax} missed changes of the last hour are sent;`,
        'beyond that, or for an unknown id, `event: reload` says to read the list again.',
        `At most ${perUser} streams per user; a client that leaves ${bufferBytes / 1024} KiB unread is disconnected.`,
        'The stream ends at once when its session ends (logout, refresh, a new password), its API token is revoked or expires, or its user is deactivated or their roles change.',
      ].join(' '),
      parameters: [
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
          description: 'The last `id:` received, to be sent what was missed',
        },
      ],
      responses: {
        '200': { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '400': problem('Last-Event-ID is not an id this stream sent'),
        '401': problem('No session or API token, or an ended one'),
        '429': problem('The user already holds the most streams allowed'),
        ...unavailable,
      },
    },
  },
};
