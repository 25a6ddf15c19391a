import { call, type Incident, Problem, type Session } from '../api.js';
import { categories } from '../categories.js';
import { h, randomId, replace } from '../dom.js';
import { INTAKE_SOURCES, pick, SEVERITY_CODES, severityName, sourceName, t } from '../i18n.js';
import type { Cleanup } from '../main.js';

/**
 * 一口受理: a dispatcher registers what came in by phone (12345), from 110, a petition or a patrol
 * (`POST /incidents`). The request id is made once per form, so a second click registers nothing new.
 */
export function intakePage(main: HTMLElement, current: Session, opened: (id: string) => void): Cleanup {
  const requestId = randomId('web-intake');
  const message = h('p', { class: 'notice hidden', role: 'alert' });
  const category = h('select', { name: 'category', required: true }, h('option', { value: '' }, t('loading')));
  // The first community of the user's territory as a start; operators of a street type theirs.
  const scope = current.user.roles.find((a) => a.role === 'operator' || a.role === 'district_admin')?.scope ?? '';
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card intake',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const fields = new FormData(form);
        const text = (name: string) => String(fields.get(name) ?? '').trim();
        const submit = form.querySelector('button[type=submit]') as HTMLButtonElement;
        submit.disabled = true;
        try {
          const answer = await call<{ incident: Incident }>('POST', '/incidents', {
            request_id: requestId,
            source: text('source'),
            category: text('category'),
            ...(text('severity') ? { severity: text('severity') } : {}),
            ...(fields.get('urgent') ? { urgent: true } : {}),
            title: text('title'),
            ...(text('description') ? { description: text('description') } : {}),
            community: text('community'),
            ...(text('grid') ? { grid: text('grid') } : {}),
            ...(text('building') ? { building: text('building') } : {}),
            ...(text('unit') ? { unit: text('unit') } : {}),
            ...(text('address') ? { address: text('address') } : {}),
            ...(fields.get('drill') ? { drill: true } : {}),
          });
          opened(answer.incident.id);
        } catch (err) {
          message.textContent = err instanceof Problem ? err.text : String(err);
          message.className = 'notice error';
          submit.disabled = false;
        }
      },
    },
    h(
      'label',
      {},
      t('source'),
      h(
        'select',
        { name: 'source', required: true },
        INTAKE_SOURCES.map((code) => h('option', { value: code }, sourceName(code))),
      ),
    ),
    h('label', {}, t('category'), category),
    h(
      'label',
      {},
      t('severity'),
      h(
        'select',
        { name: 'severity' },
        h('option', { value: '' }, t('defaultSeverity')),
        SEVERITY_CODES.map((code) => h('option', { value: code }, severityName(code))),
      ),
    ),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'urgent', value: '1' }), t('urgent')),
    h('label', { class: 'wide' }, t('title'), h('input', { name: 'title', required: true, maxlength: 200 })),
    h('label', { class: 'wide' }, t('description'), h('textarea', { name: 'description', rows: 3, maxlength: 4000 })),
    h(
      'label',
      {},
      t('community'),
      h('input', {
        name: 'community',
        required: true,
        pattern: '\\d{12}',
        inputmode: 'numeric',
        placeholder: t('communityHint'),
        value: scope.length === 12 ? scope : '',
      }),
    ),
    h(
      'label',
      {},
      t('grid'),
      h('input', { name: 'grid', pattern: '\\d{15}', inputmode: 'numeric', placeholder: t('gridHint') }),
    ),
    h('label', {}, t('building'), h('input', { name: 'building', maxlength: 16 })),
    h('label', {}, t('unit'), h('input', { name: 'unit', maxlength: 16 })),
    h('label', { class: 'wide' }, t('address'), h('input', { name: 'address', maxlength: 500 })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'drill', value: '1' }), t('drill')),
    h('div', { class: 'buttons wide' }, h('button', { type: 'submit', class: 'primary' }, t('submit'))),
  );
  replace(main, h('h1', {}, t('intake')), message, form);

  categories()
    .then((list) => {
      replace(
        category,
        h('option', { value: '' }, '—'),
        list.map((c) =>
          h('option', { value: c.code }, `${'\u3000'.repeat(Math.max(0, c.level - 1))}${pick(c.name)} (${c.code})`),
        ),
      );
    })
    .catch((err: unknown) => {
      message.textContent = err instanceof Problem ? err.text : String(err);
      message.className = 'notice error';
    });
  return () => {};
}
