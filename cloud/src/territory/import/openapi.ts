import { json, ok, problem, ref, schema, unavailable } from '../../http/openapi-parts.js';
import { IMPORT_MAX_BYTES } from './imports.js';
import { TerritoryImportApply, TerritoryImportPreview, TerritoryImportProblem } from './schemas.js';

const session = { '401': problem('No session, or an ended one'), ...unavailable };
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const preview = ok(
  'The preview: what the file would add, change and retire, and its problems',
  ref('TerritoryImportPreview'),
);

/** The schemas the territory import's paths name. */
export const TERRITORY_IMPORT_SCHEMAS = {
  TerritoryImportPreview: schema(TerritoryImportPreview),
  TerritoryImportProblem: schema(TerritoryImportProblem),
  TerritoryImportApply: schema(TerritoryImportApply),
};

/** The territory import, for `/openapi.json`. */
export const TERRITORY_IMPORT_PATHS = {
  '/api/v1/territory/imports': {
    post: {
      summary: 'Upload a territory file and get its preview (district admins over every unit of the file)',
      description:
        'The body is the file itself. boundaries: a GeoJSON FeatureCollection (UTF-8) of streets, communities, grids and micro-grids, properties code, name_zh (or name), name_en; its coordinate system stated at its top ("coordinate_system": "wgs84" | "gcj02", or a "crs" member) or by the crs parameter (WGS-84 when neither). buildings: a CSV with community, building, unit, floors, households, grid, lon, lat. placements: a CSV with gateway, device, grid, building, unit, floor, installed_at. CSVs in UTF-8 (with or without BOM) or GBK/GB18030, detected. Nothing is applied yet.',
      parameters: [
        {
          name: 'kind',
          in: 'query',
          required: true,
          schema: { enum: ['boundaries', 'buildings', 'placements'] },
        },
        {
          name: 'crs',
          in: 'query',
          required: false,
          description: 'The coordinate system of the positions when the file does not say (stored as WGS-84)',
          schema: { enum: ['wgs84', 'gcj02'] },
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/geo+json': { schema: { type: 'object' } },
          'text/csv': { schema: { type: 'string' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        },
      },
      responses: {
        '201': preview,
        '400': problem('kind or crs is not one of the values'),
        '403': problem('The caller is not a district admin over every unit of the file'),
        '413': problem(`The file is larger than ${IMPORT_MAX_BYTES} bytes (64 MiB)`),
        ...session,
      },
    },
  },
  '/api/v1/territory/imports/{id}': {
    get: {
      summary: 'A territory import’s preview, and whether it was applied',
      parameters: [idParameter],
      responses: {
        '200': preview,
        '403': problem('The caller is not a district admin over the file’s territory'),
        '404': problem('No such import'),
        ...session,
      },
    },
  },
  '/api/v1/territory/imports/{id}/apply': {
    post: {
      summary: 'Apply a previewed territory import in one transaction (audited: territory.import.apply)',
      parameters: [idParameter],
      requestBody: { required: false, content: json(ref('TerritoryImportApply')) },
      responses: {
        '200': ok('The import, applied', ref('TerritoryImportPreview')),
        '400': problem('valid_from is not a time, or not after the current areas’ start'),
        '403': problem('The caller is not a district admin over the file’s territory'),
        '404': problem('No such import'),
        '409': problem(
          'The preview had problems or was applied already (GL_TERRITORY_IMPORT_REFUSED), or the territory changed since (GL_TERRITORY_IMPORT_STALE)',
        ),
        ...session,
      },
    },
  },
};
