import {
  type AllowedAction,
  call,
  type Evidence,
  type IncidentDetail,
  Problem,
  type Step,
  type StoredAttachment,
  session,
  upload,
} from '../api.js';
import { categories, categoryName } from '../categories.js';
import { type Child, h, randomId, replace } from '../dom.js';
import {
  actionName,
  deadlineReasonName,
  evidenceName,
  levelName,
  pick,
  roleName,
  severityName,
  sourceName,
  stateName,
  supervisionName,
  t,
  tagName,
  when,
} from '../i18n.js';
import { lightBadge, lightOf } from '../lights.js';
import { live } from '../live.js';
import type { Cleanup } from '../main.js';

/** What the API takes; the browser's picker offers these first. */
const ACCEPTED_FILES = 'image/jpeg,image/png,image/webp,application/pdf';

/** Uploaded files by their step URI, each with a link the page may put in `<img src>`. */
type Uploads = Map<string, StoredAttachment>;

/**
 * One incident: place, category, severity, occurrences, evidence (camera snapshot references
 * included), the step record, and a button for each transition the API says the user may take now.
 * A refusal (a concurrency conflict, a state that moved on) shows the API's own words.
 */
export function incidentPage(main: HTMLElement, id: string): Cleanup {
  const message = h('p', { class: 'notice hidden', role: 'alert', id: 'action-message' });
  const body = h('div', { class: 'detail' }, h('p', { class: 'empty' }, t('loading')));
  replace(main, h('a', { href: '#/incidents', class: 'back' }, `← ${t('back')}`), message, body);

  const say = (text: string, kind: 'ok' | 'error' | 'info') => {
    message.textContent = text;
    message.className = `notice ${kind}`;
  };

  const load = async () => {
    try {
      await categories().catch(() => []);
      const [detail, allowed, files] = await Promise.all([
        call<IncidentDetail>('GET', `/incidents/${encodeURIComponent(id)}`),
        call<{ version: number; actions: AllowedAction[] }>('GET', `/incidents/${encodeURIComponent(id)}/actions`),
        call<{ attachments: StoredAttachment[] }>('GET', `/incidents/${encodeURIComponent(id)}/attachments`),
      ]);
      draw(detail, allowed.actions, new Map(files.attachments.map((file) => [file.uri, file])));
    } catch (err) {
      replace(body, h('p', { class: 'notice error' }, err instanceof Problem ? err.text : String(err)));
    }
  };

  // A file is uploaded once, even when the step is refused and submitted again.
  const uploaded = new WeakMap<File, string>();
  const uploadAll = async (form: HTMLFormElement) => {
    const attachments: Array<{ id: string }> = [];
    for (const input of form.querySelectorAll<HTMLInputElement>('input[type=file]')) {
      for (const file of input.files ?? []) {
        let fileId = uploaded.get(file);
        if (!fileId) {
          say(t('uploading'), 'info');
          fileId = (await upload(id, file, input.dataset.tag)).id;
          uploaded.set(file, fileId);
        }
        attachments.push({ id: fileId });
      }
    }
    return attachments;
  };

  const act = async (detail: IncidentDetail, action: AllowedAction, form: HTMLFormElement) => {
    const fields = new FormData(form);
    const comment = String(fields.get('comment') ?? '').trim();
    const data: Record<string, unknown> = {};
    const assignee = String(fields.get('assignee') ?? '').trim();
    const into = String(fields.get('into') ?? '').trim();
    if (assignee) data.assignee = assignee;
    if (into) data.into = into;
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      // Photos first (the step names them), then the step; the API checks the tags the step needs.
      const attachments = await uploadAll(form);
      await call('POST', `/incidents/${encodeURIComponent(id)}/transitions`, {
        action: action.action,
        // One id per form: a double click or a retry is the same request (idempotent).
        request_id: form.dataset.requestId,
        // The version the user looked at: if someone moved the incident meanwhile, the API says so.
        expected_version: detail.incident.version,
        ...(comment ? { comment } : {}),
        ...(Object.keys(data).length > 0 ? { data } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
      });
      say(`${t('done')}${actionName(action.action)}`, 'ok');
      await load();
    } catch (err) {
      say(`${t('refused')}${err instanceof Problem ? err.text : String(err)}`, 'error');
      button.disabled = false;
      // Whoever changed it meanwhile: show the incident as it is now, the refusal above it.
      if (err instanceof Problem && err.status !== 400) await load();
    }
  };

  const actionForm = (detail: IncidentDetail, action: AllowedAction): HTMLFormElement => {
    const form: HTMLFormElement = h(
      'form',
      {
        class: 'action-form hidden',
        'data-action': action.action,
        onsubmit: (event: Event) => {
          event.preventDefault();
          void act(detail, action, form);
        },
      },
      action.effects.includes('assign') &&
        h(
          'label',
          {},
          t('assigneeId'),
          h('input', { name: 'assignee', required: true, maxlength: 128, list: 'assignees', autocomplete: 'off' }),
          assignees(detail.incident.id),
        ),
      action.effects.includes('merge') &&
        h('label', {}, t('mergeInto'), h('input', { name: 'into', required: true, maxlength: 64 })),
      // One picker per photo the step requires, so each file gets its tag (before, after…).
      action.attachment_tags.map((tag) =>
        h(
          'label',
          {},
          t('photoTagged', { tag: tagName(tag) }),
          h('input', { type: 'file', name: `file-${tag}`, 'data-tag': tag, accept: ACCEPTED_FILES, required: true }),
        ),
      ),
      action.attachment_tags.length === 0 &&
        h(
          'label',
          {},
          t('otherFiles'),
          h('input', { type: 'file', name: 'files', accept: ACCEPTED_FILES, multiple: true }),
        ),
      h(
        'label',
        {},
        t('comment'),
        h('textarea', { name: 'comment', rows: 2, maxlength: 4000, required: action.comment_required === true }),
      ),
      h(
        'div',
        { class: 'buttons' },
        h('button', { type: 'submit', class: 'primary' }, `${t('confirm')}：${actionName(action.action)}`),
        h('button', { type: 'button', onclick: () => form.classList.add('hidden') }, t('cancel')),
      ),
    );
    form.dataset.requestId = randomId(`web-${action.action}`);
    return form;
  };

  const draw = (detail: IncidentDetail, actions: AllowedAction[], uploads: Uploads) => {
    const { incident } = detail;
    const place = incident.place;
    const light = lightOf(detail);
    const forms = actions.map((action) => actionForm(detail, action));
    replace(
      body,
      h(
        'section',
        { class: 'card head' },
        h(
          'div',
          { class: 'row' },
          lightBadge(light),
          h('span', { class: 'state', id: 'incident-state' }, stateName(incident.state)),
          incident.urgent && h('span', { class: 'tag urgent' }, t('urgent')),
          incident.drill && h('span', { class: 'tag' }, t('drill')),
          h('span', { class: 'id' }, incident.id),
        ),
        h('h1', {}, incident.title),
        incident.description && h('p', { class: 'description' }, incident.description),
      ),
      h(
        'section',
        { class: 'card actions', id: 'actions' },
        h('h2', {}, t('actions')),
        actions.length === 0
          ? h('p', { class: 'empty' }, t('noActions'))
          : h(
              'div',
              { class: 'buttons' },
              actions.map((action, index) =>
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'primary',
                    'data-action': action.action,
                    onclick: () => {
                      for (const form of forms) form.classList.add('hidden');
                      forms[index]?.classList.remove('hidden');
                    },
                  },
                  actionName(action.action),
                ),
              ),
            ),
        forms,
      ),
      h(
        'section',
        { class: 'card' },
        h(
          'dl',
          { class: 'facts' },
          fact(
            t('place'),
            [
              place.community && `${t('community')} ${place.community}`,
              place.grid && `${t('grid')} ${place.grid}`,
              place.building && `${place.building}#`,
              place.unit && `${place.unit}${t('unit')}`,
              place.floor !== null && `${place.floor}F`,
              place.room,
              place.address,
            ]
              .filter(Boolean)
              .join(' · '),
          ),
          fact(t('category'), categoryName(incident.categoryCode)),
          fact(t('severity'), severityName(incident.severity)),
          fact(t('occurrences'), String(incident.occurrences)),
          fact(t('firstLast'), `${when(incident.firstOccurredAt)} / ${when(incident.lastOccurredAt)}`),
          fact(t('source'), sourceName(incident.source)),
          fact(t('level'), levelName(incident.level)),
          fact(t('supervision'), supervisionName(incident.supervision)),
          fact(
            t('deadline'),
            detail.overdue_since && detail.due_by
              ? t('overdueSince', { since: when(detail.overdue_since), due: when(detail.due_by) })
              : detail.due_by
                ? when(detail.due_by)
                : '—',
          ),
          fact(t('assignee'), incident.assignee ? who(incident.assignee) : '—'),
          incident.reworkCount > 0 && fact(t('reworks'), String(incident.reworkCount)),
          place.deviceId && fact(t('device'), `${place.deviceId} @ ${place.gatewayId ?? ''}`),
        ),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('evidence')),
        detail.evidence.length === 0
          ? h('p', { class: 'empty' }, t('noEvidence'))
          : h('ul', { class: 'evidence' }, detail.evidence.map(evidenceItem)),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('timeline')),
        h(
          'ol',
          { class: 'timeline', id: 'timeline', reversed: true },
          [...detail.steps].reverse().map((step) => stepItem(step, uploads)),
        ),
      ),
    );
  };

  const offNotification = live.on((notification) => {
    if (notification.incident_id !== id) return;
    // Never wipe what the user is typing: say so, and the API refuses a stale step anyway.
    if (body.querySelector('form.action-form:not(.hidden)')) say(t('changedMeanwhile'), 'info');
    else void load();
  });
  void load();
  return offNotification;
}

/**
 * Suggestions for a manual dispatch or 改派: the units and grid workers eligible for the incident's
 * category and place, as the API lists them (the on-duty worker marked); the API refuses anyone else.
 */
function assignees(incidentId: string): HTMLDataListElement {
  const list = h('datalist', { id: 'assignees' });
  call<{ assignees: Array<{ id: string; kind: string; name: { zh: string; en: string }; on_duty: boolean }> }>(
    'GET',
    `/incidents/${encodeURIComponent(incidentId)}/assignees`,
  )
    .then(({ assignees: found }) => {
      for (const candidate of found)
        list.appendChild(
          h(
            'option',
            { value: candidate.id },
            `${pick(candidate.name)}${candidate.on_duty ? ` · ${t('onDuty')}` : ''}`,
          ),
        );
    })
    .catch(() => undefined);
  return list;
}

/** People are ids in the step record; the signed-in user is "me". */
function who(id: string): string {
  return id === session()?.user.id ? t('me') : id;
}

function fact(term: string, value: Child): Child {
  return [h('dt', {}, term), h('dd', {}, value)];
}

/** Media references (camera snapshots, clips) anywhere in an alert's data: keys ending in `_ref`. */
function references(data: unknown, path = ''): Array<[string, string]> {
  if (data === null || typeof data !== 'object') return [];
  const found: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const at = path ? `${path}.${key}` : key;
    if (typeof value === 'string' && /(_ref|_uri)$/.test(key)) found.push([at, value]);
    else found.push(...references(value, at));
  }
  return found;
}

function evidenceItem(evidence: Evidence): HTMLElement {
  const refs = references(evidence.data);
  return h(
    'li',
    {},
    h('div', { class: 'row' }, h('strong', {}, evidenceName(evidence.kind)), h('span', {}, when(evidence.occurredAt))),
    h('div', { class: 'meta' }, evidence.sourceKey, evidence.alertId && ` · ${evidence.alertId}`),
    refs.map(([key, value]) =>
      h(
        'div',
        { class: 'snapshot', 'data-ref': value },
        `${key.includes('snapshot') ? t('snapshot') : key}: `,
        h('code', {}, value),
      ),
    ),
    h('details', {}, h('summary', {}, t('rawData')), h('pre', {}, JSON.stringify(evidence.data, null, 2))),
  );
}

/** A step's file: a photo as a thumbnail that opens the full image, a document as a link. */
function attachmentItem(attachment: Step['attachments'][number], uploads: Uploads): HTMLElement {
  const label = [attachment.tag && tagName(attachment.tag), attachment.name].filter(Boolean).join(' · ');
  const stored = uploads.get(attachment.uri);
  if (!stored) return h('div', { class: 'snapshot' }, `${label} `, h('code', {}, attachment.uri));
  const image = stored.media_type.startsWith('image/');
  return h(
    'figure',
    { class: 'attachment', 'data-tag': attachment.tag ?? '' },
    h(
      'a',
      { href: stored.url, target: '_blank', rel: 'noopener' },
      image ? h('img', { class: 'thumb', src: stored.url, alt: label, loading: 'lazy' }) : stored.name,
    ),
    h('figcaption', {}, label),
  );
}

function stepItem(step: Step, uploads: Uploads): HTMLElement {
  return h(
    'li',
    { 'data-action': step.action },
    h(
      'div',
      { class: 'row' },
      h('strong', {}, actionName(step.action)),
      h('span', {}, `${step.fromState ? `${stateName(step.fromState)} → ` : ''}${stateName(step.toState)}`),
      step.light && lightBadge(lightOf({ light: step.light })),
    ),
    step.deadlineChange &&
      h(
        'div',
        { class: 'meta deadline-change' },
        t('deadlineChange', {
          from: step.deadlineChange.from ? when(step.deadlineChange.from) : '—',
          to: step.deadlineChange.to ? when(step.deadlineChange.to) : '—',
          reason: deadlineReasonName(step.deadlineChange.reason),
        }),
      ),
    h('div', { class: 'meta' }, `${when(step.at)} · ${t('by')} ${roleName(step.role)} ${who(step.actor)}`),
    step.comment && h('p', { class: 'comment' }, step.comment),
    step.attachments.length > 0 &&
      h(
        'div',
        { class: 'attachments' },
        step.attachments.map((attachment) => attachmentItem(attachment, uploads)),
      ),
  );
}
