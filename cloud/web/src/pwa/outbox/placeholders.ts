/**
 * A later request that needs an earlier one's answer (a step naming the photo uploaded before it,
 * a photo attached to the report created before it) says so with a placeholder: in a JSON body an
 * object `{ "$ref": "<request id>", "pointer": "/id" }`, in a path the text `{{ref:<request id>:/id}}`.
 * The outbox sends the earlier request first and puts the value its answer has at the JSON pointer
 * (RFC 6901) in the placeholder's place.
 */

export interface ResultRef {
  $ref: string;
  pointer: string;
}

/** A placeholder for the value at `pointer` in the answer to request `requestId`. */
export function resultOf(requestId: string, pointer: string): ResultRef {
  return { $ref: requestId, pointer };
}

/** The same, inside a path: `/reports/${pathResultOf('req-1', '/report/id')}/photos`. */
export function pathResultOf(requestId: string, pointer: string): string {
  return `{{ref:${requestId}:${pointer}}}`;
}

/**
 * The time the request goes on the wire, where a body says when it was sent (a batch of positions'
 * `sent_at`, by which the server measures how far off the phone's clock is): a request kept offline
 * for an hour must not say it was sent an hour ago.
 */
export interface SentAt {
  $sent_at: true;
}

/** A placeholder for the time the request is sent (ISO 8601, the phone's clock). */
export function sentAtPlaceholder(): SentAt {
  return { $sent_at: true };
}

function isSentAt(value: unknown): value is SentAt {
  return typeof value === 'object' && value !== null && (value as SentAt).$sent_at === true;
}

const PATH_REF = /\{\{ref:([^:}]+):([^}]*)\}\}/g;

function isRef(value: unknown): value is ResultRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ResultRef).$ref === 'string' &&
    typeof (value as ResultRef).pointer === 'string' &&
    Object.keys(value).length === 2
  );
}

/** The request ids a body and a path refer to. */
export function referencedIds(path: string, json: unknown): string[] {
  const ids = new Set<string>();
  for (const match of path.matchAll(PATH_REF)) if (match[1]) ids.add(match[1]);
  const walk = (value: unknown) => {
    if (isRef(value)) ids.add(value.$ref);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk(json);
  return [...ids];
}

export class UnresolvedRef extends Error {}

/** The value at an RFC 6901 pointer. */
export function at(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let value = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof value !== 'object' || value === null || !(key in value))
      throw new UnresolvedRef(`no ${pointer} in the answer`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The body with every placeholder replaced by the value from the earlier answers (and the time it is sent). */
export function resolveJson(json: unknown, results: (id: string) => unknown, now: Date = new Date()): unknown {
  if (isRef(json)) return at(results(json.$ref), json.pointer);
  if (isSentAt(json)) return now.toISOString();
  if (Array.isArray(json)) return json.map((item) => resolveJson(item, results, now));
  if (typeof json === 'object' && json !== null)
    return Object.fromEntries(Object.entries(json).map(([key, value]) => [key, resolveJson(value, results, now)]));
  return json;
}

/** The path with each placeholder replaced (URL-encoded: it is one path segment or query value). */
export function resolvePath(path: string, results: (id: string) => unknown): string {
  return path.replace(PATH_REF, (_, id: string, pointer: string) =>
    encodeURIComponent(String(at(results(id), pointer))),
  );
}
