import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { ENTRY_KIND_CODES } from './kinds.js';
import { EntryEdit, NewEntry, SearchQuery, WorklogSettings } from './schemas.js';

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const instant = { type: 'string', format: 'date-time' };
const names = { type: 'object', properties: { zh: text, en: text } };

const WorklogEntry = {
  type: 'object',
  description: 'An entry as lists show it: who was met is masked (张* 138****0001)',
  properties: {
    id: { type: 'string', format: 'uuid' },
    author: { type: 'object', properties: { id: text, name: text } },
    grid: { type: 'object', properties: { code: text, name: nullableText } },
    visited_at: instant,
    kind: { type: 'string', enum: ENTRY_KIND_CODES },
    kind_name: names,
    place: {
      type: 'object',
      properties: { building: nullableText, unit: nullableText, room: nullableText, address: nullableText },
    },
    people_met_masked: { ...nullableText, description: 'Names kept to their first character, phones to 3+4 digits' },
    note: text,
    tags: { type: 'array', items: text },
    incident_id: nullableText,
    photo_count: { type: 'integer' },
    version: { type: 'integer', description: '1 when first saved, one more for each edit' },
    created_at: instant,
    updated_at: instant,
    editable_until: { ...instant, description: 'Until when its author may edit it' },
  },
};

const WorklogEntryDetail = {
  allOf: [
    ref('WorklogEntry'),
    {
      type: 'object',
      properties: {
        photos: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: text,
              media_type: text,
              name: text,
              size_bytes: { type: 'integer' },
              uploaded_at: instant,
              url: { ...text, description: 'Works in `<img src>` for 10 minutes, while the session lives' },
            },
          },
        },
        history: {
          type: 'array',
          items: { type: 'object', properties: { version: { type: 'integer' }, saved_at: instant, saved_by: text } },
        },
        may_reveal: { type: 'boolean' },
        may_edit: { type: 'boolean' },
      },
    },
  ],
};

export const WORKLOG_SCHEMAS = {
  WorklogEntry,
  WorklogEntryDetail,
  WorklogNewEntry: schema(NewEntry),
  WorklogEntryEdit: schema(EntryEdit),
  WorklogSettings: schema(WorklogSettings),
};

const searchParameters = Object.entries((schema(SearchQuery) as { properties: Record<string, object> }).properties).map(
  ([name, body]) => ({ name, in: 'query', required: false, schema: body }),
);

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const refused = {
  '401': problem('Not signed in'),
  '403': problem(
    'The work log is for grid workers and those who supervise them (operators, district admins, grid chiefs)',
  ),
};

/** The work log's routes for `/openapi.json`. */
export const WORKLOG_PATHS = {
  '/api/v1/worklog/context': {
    get: {
      summary: 'What the work log pages need: the kinds of entry, the caller’s grids, whether they supervise others',
      responses: {
        '200': ok('The caller’s work log context', {
          type: 'object',
          properties: {
            kinds: { type: 'array', items: { type: 'object', properties: { code: text, name: names } } },
            grids: { type: 'array', items: { type: 'object', properties: { code: text, name: nullableText } } },
            supervises: { type: 'boolean' },
            edit_window_hours: { type: 'integer' },
            retention_days: { type: 'integer' },
          },
        }),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/worklog/places': {
    get: {
      summary: 'The building units of a grid the territory knows, for choosing the household',
      parameters: [{ name: 'grid', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d{15}$' } }],
      responses: {
        '200': ok('Buildings and units', { type: 'object' }),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/worklog/photos': {
    post: {
      summary: 'Uploads a photo for an entry to come (JPEG, PNG or WebP, checked by content); grid workers only',
      parameters: [{ name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 256 } }],
      requestBody: {
        required: true,
        content: { 'image/jpeg': {}, 'image/png': {}, 'image/webp': {} },
      },
      responses: {
        '201': ok('Kept; name its id in `photo_ids` (unnamed photos are dropped after a day)', { type: 'object' }),
        '413': problem('Larger than attachments.max_bytes'),
        '415': problem('Not a JPEG, PNG or WebP image'),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/worklog/photos/{id}': {
    get: {
      summary: 'A photo’s bytes, through the link an entry’s detail gives',
      parameters: [idParameter, { name: 'access', in: 'query', required: true, schema: text }],
      responses: {
        '200': { description: 'The image' },
        '401': problem('The link expired or its session ended'),
        '404': problem('No such photo the holder may see'),
      },
    },
  },
  '/api/v1/worklog/entries': {
    post: {
      summary:
        'Writes an entry in one of the caller’s grids; the same request_id again answers the stored entry (200) instead of a second one',
      requestBody: { required: true, content: json(ref('WorklogNewEntry')) },
      responses: {
        '201': ok('Stored', { type: 'object', properties: { entry: ref('WorklogEntry'), created: { const: true } } }),
        '200': ok('Already stored under this request id', {
          type: 'object',
          properties: { entry: ref('WorklogEntry'), created: { const: false } },
        }),
        '400': problem('A field is wrong: each error names it'),
        ...refused,
        ...unavailable,
      },
    },
    get: {
      summary:
        'Searches the entries the caller reads (their own; a supervised grid’s), newest visit first; text filters match parts of words',
      parameters: searchParameters,
      responses: {
        '200': ok('One page of entries', {
          type: 'object',
          properties: {
            entries: { type: 'array', items: ref('WorklogEntry') },
            total: { type: 'integer' },
            page: { type: 'integer' },
            page_size: { type: 'integer' },
          },
        }),
        '400': problem('A filter is wrong: each error names it'),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/worklog/entries/{id}': {
    get: {
      summary: 'One entry with its photos and history (who was met still masked)',
      parameters: [idParameter],
      responses: {
        '200': ok('The entry', { type: 'object', properties: { entry: ref('WorklogEntryDetail') } }),
        '404': problem('No such entry the caller reads'),
        ...refused,
        ...unavailable,
      },
    },
    patch: {
      summary: 'The author corrects their entry within the edit window; every version is kept',
      parameters: [idParameter],
      requestBody: { required: true, content: json(ref('WorklogEntryEdit')) },
      responses: {
        '200': ok('The entry as it now stands', { type: 'object', properties: { entry: ref('WorklogEntry') } }),
        '400': problem('A field is wrong: each error names it'),
        '403': problem('The edit window has closed'),
        '404': problem('No such entry of the caller'),
        ...unavailable,
      },
    },
  },
  '/api/v1/worklog/entries/{id}/reveal': {
    post: {
      summary: 'Who was met, in full, for the author or a supervisor of the grid; each reveal is audited',
      parameters: [idParameter],
      responses: {
        '200': ok('The people met', {
          type: 'object',
          properties: { people_met: nullableText, revealed_at: instant },
        }),
        '404': problem('No such entry the caller reads'),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/worklog/settings': {
    get: {
      summary: 'How long entries are kept',
      responses: { '200': ok('The settings', ref('WorklogSettings')), ...refused, ...unavailable },
    },
    put: {
      summary: 'Replaces the settings: tenant administrators (audited with what was before)',
      requestBody: { required: true, content: json(ref('WorklogSettings')) },
      responses: {
        '200': ok('The settings now', ref('WorklogSettings')),
        '400': problem('A field is wrong: each error names it'),
        ...refused,
        ...unavailable,
      },
    },
  },
};
