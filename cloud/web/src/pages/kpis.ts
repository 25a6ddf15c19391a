import { call, download, Problem } from '../api.js';
import { h, replace } from '../dom.js';
import { KPI_GROUPS, levelName, pick, t } from '../i18n.js';
import type { Cleanup } from '../main.js';

interface Rate {
  numerator: number;
  denominator: number;
  percent: number | null;
}

interface KpiAnswer {
  definitions: Array<{ code: string; name: { zh: string; en: string } }>;
  groups: Array<{ key: string; name: string; rates: Record<string, Rate>; composite: number | null }>;
}

/** The assessment month as the API's period: China midnight of its first day to the next month's. */
export function monthPeriod(month: string): { from: string; to: string } {
  const [year, number] = month.split('-').map(Number) as [number, number];
  const next = number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
  return { from: `${month}-01`, to: `${next}-01` };
}

function lastMonth(): string {
  const now = new Date(Date.now() + 8 * 3_600_000); // China's calendar month
  const year = now.getUTCMonth() === 0 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
  const month = now.getUTCMonth() === 0 ? 12 : now.getUTCMonth();
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** KPIs per street, community, grid or worker for a month (`GET /kpis`), and the report as CSV/XLSX. */
export function kpiPage(main: HTMLElement): Cleanup {
  const message = h('p', { class: 'notice hidden', role: 'alert' });
  const table = h('div', { class: 'kpi-table' });
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card kpi-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void show();
      },
    },
    h('label', {}, t('month'), h('input', { type: 'month', name: 'month', required: true, value: lastMonth() })),
    h(
      'label',
      {},
      t('groupBy'),
      h(
        'select',
        { name: 'group_by' },
        KPI_GROUPS.map((group) => h('option', { value: group }, levelName(group))),
      ),
    ),
    h('label', {}, t('territory'), h('input', { name: 'territory', inputmode: 'numeric', pattern: '\\d{6,15}' })),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, t('query')),
      h('button', { type: 'button', onclick: () => void exportAs('csv') }, t('exportCsv')),
      h('button', { type: 'button', onclick: () => void exportAs('xlsx') }, t('exportXlsx')),
    ),
  );
  replace(main, h('h1', {}, t('kpis')), message, form, table);

  const query = () => {
    const fields = new FormData(form);
    const { from, to } = monthPeriod(String(fields.get('month') || lastMonth()));
    const params = new URLSearchParams({ from, to, group_by: String(fields.get('group_by')) });
    const territory = String(fields.get('territory') ?? '').trim();
    if (territory) params.set('territory', territory);
    return params;
  };
  const fail = (err: unknown) => {
    message.textContent = err instanceof Problem ? err.text : String(err);
    message.className = 'notice error';
  };

  const show = async () => {
    try {
      const answer = await call<KpiAnswer>('GET', `/kpis?${query()}`);
      message.className = 'notice hidden';
      if (answer.groups.length === 0) {
        replace(table, h('p', { class: 'empty' }, t('noGroups')));
        return;
      }
      replace(
        table,
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, t('name')),
              answer.definitions.map((d) => h('th', {}, pick(d.name))),
              h('th', {}, t('composite')),
            ),
          ),
          h(
            'tbody',
            {},
            answer.groups.map((group) =>
              h(
                'tr',
                {},
                h('th', {}, group.name, h('small', {}, group.key)),
                answer.definitions.map((d) => {
                  const rate = group.rates[d.code];
                  return h(
                    'td',
                    { title: rate ? `${rate.numerator} / ${rate.denominator}` : '' },
                    rate?.percent === null || rate === undefined ? '—' : `${rate.percent.toFixed(2)}%`,
                  );
                }),
                h('td', {}, group.composite === null ? '—' : group.composite.toFixed(2)),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      fail(err);
    }
  };

  const exportAs = async (format: 'csv' | 'xlsx') => {
    try {
      // The report holds every level (street, community, grid, worker…), as the assessment needs.
      const params = query();
      params.delete('group_by');
      await download(`/kpis/report.${format}?${params}`);
    } catch (err) {
      fail(err);
    }
  };

  void show();
  return () => {};
}
