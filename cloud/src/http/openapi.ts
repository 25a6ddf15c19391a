import { ok, problem } from './openapi-parts.js';
import type { HttpPlugin, OpenApiPart } from './plugin.js';
import { PROBLEMS } from './problems.js';

/** Every plugin's part in one: a path or schema two plugins both claim is a mistake, refused at start. */
function merged(
  plugins: readonly HttpPlugin<never>[],
  part: (openapi: OpenApiPart) => Readonly<Record<string, object>>,
) {
  const all: Record<string, object> = {};
  const owner = new Map<string, string>();
  for (const plugin of plugins) {
    for (const [key, value] of Object.entries(plugin.openapi ? part(plugin.openapi) : {})) {
      const claimed = owner.get(key);
      if (claimed !== undefined) throw new Error(`OpenAPI: ${key} is claimed by both ${claimed} and ${plugin.name}`);
      owner.set(key, plugin.name);
      all[key] = value;
    }
  }
  return all;
}

/** The contract of the HTTP API as served at `/openapi.json` (OpenAPI 3.1): the plugins' parts, in their order. */
export function openApiDocument(version: string, plugins: readonly HttpPlugin<never>[]) {
  const pluginPaths = merged(plugins, (part) => part.paths);
  const pluginSchemas = merged(plugins, (part) => part.schemas ?? {});
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gridlink cloud',
      version,
      description:
        'Gateway intake: registration, event batches, durable downlink. Errors are RFC 9457 problems: `code` is stable; `title` and `detail` are written in the reader’s language (`Accept-Language`: zh-CN by default, English on request), as are the cloud’s own texts in incidents (a device’s title, the system’s step comments) and the KPI report’s headers.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { security: [], responses: { '200': ok('The process answers', { type: 'object' }) } } },
      '/readyz': {
        get: {
          security: [],
          responses: { '200': ok('The database answers', { type: 'object' }), '503': problem('Not ready') },
        },
      },
      '/metrics': {
        get: {
          description: 'Prometheus metrics, for the bearer token `http.metrics_token` alone (text exposition format)',
          responses: { '200': ok('The metrics', { type: 'string' }), '401': problem('No or wrong metrics token') },
        },
      },
      ...pluginPaths,
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A session token (`glus_…`, POST /api/v1/sessions), an API token of an integration (`glt_…`, POST /api/v1/users/{id}/api-tokens; acts as its user), or the admin token',
        },
      },
      schemas: {
        ...pluginSchemas,
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { enum: Object.keys(PROBLEMS) },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['detail'],
                properties: { detail: { type: 'string' }, pointer: { type: 'string' }, parameter: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
