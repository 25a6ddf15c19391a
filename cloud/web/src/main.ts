import { call, type Session, saveSession, session, whenUnauthenticated } from './api.js';
import { h, replace } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import { LANG_EVENT, langButton } from './lang-button.js';
import { live } from './live.js';
import { incidentPage } from './pages/incident.js';
import { incidentsPage } from './pages/incidents.js';
import { intakePage } from './pages/intake.js';
import { kpiPage } from './pages/kpis.js';
import { loginPage } from './pages/login.js';
import { isDispatcher } from './roles.js';

/** What a page leaves behind when another one is shown (stream listeners, timers). */
export type Cleanup = () => void;

let cleanup: Cleanup | undefined;

function navigate(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

function header(current: Session): HTMLElement {
  const dispatcher = isDispatcher(current.user);
  const link = (hash: string, text: string) =>
    h('a', { href: hash, class: location.hash.startsWith(hash) ? 'active' : undefined }, text);
  const status = h('span', { class: 'live-status', id: 'live-status' });
  showStatus(status, live.connected);
  return h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/incidents' }, t('appName')),
    h(
      'nav',
      {},
      link('#/incidents', t('incidents')),
      dispatcher && link('#/intake', t('intake')),
      dispatcher && link('#/kpis', t('kpis')),
    ),
    h(
      'div',
      { class: 'who' },
      status,
      h('span', { class: 'user' }, current.user.display_name),
      langButton(),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: async () => {
            await call('DELETE', '/sessions/current').catch(() => undefined);
            saveSession(undefined);
            live.stop();
            navigate('#/login');
          },
        },
        t('logout'),
      ),
    ),
  );
}

function showStatus(status: HTMLElement | null, connected: boolean): void {
  if (!status) return;
  status.textContent = connected ? `● ${t('live')}` : `○ ${t('liveOff')}`;
  status.classList.toggle('on', connected);
}

async function render(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  cleanup?.();
  cleanup = undefined;
  const current = session();
  const route = location.hash.replace(/^#/, '') || '/incidents';
  if (!current || route === '/login') {
    live.stop();
    replace(
      root,
      loginPage((signedIn) => {
        saveSession(signedIn);
        // A link to an incident opens it once the user has signed in.
        navigate(route === '/login' ? '#/incidents' : `#${route}`);
      }),
    );
    return;
  }
  live.start();
  const main = h('main', { class: 'page' });
  replace(root, header(current), main);
  const detail = /^\/incidents\/([^/]+)$/.exec(route);
  if (route === '/incidents') cleanup = incidentsPage(main, current);
  else if (detail?.[1]) cleanup = incidentPage(main, decodeURIComponent(detail[1]));
  else if (route === '/intake' && isDispatcher(current.user))
    cleanup = intakePage(main, current, (id) => navigate(`#/incidents/${encodeURIComponent(id)}`));
  else if (route === '/kpis' && isDispatcher(current.user)) cleanup = kpiPage(main);
  else replace(main, h('p', { class: 'empty' }, t('notFound')));
}

whenUnauthenticated(() => {
  live.stop();
  sessionStorage.setItem('gridlink.notice', 'sessionEnded');
  navigate('#/login');
});
live.onStatus((connected) => showStatus(document.getElementById('live-status'), connected));
setLang(lang());
window.addEventListener('hashchange', () => void render());
window.addEventListener(LANG_EVENT, () => void render());
void render();
