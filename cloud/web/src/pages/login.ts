import { call, Problem, type Session, type User } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { langButton } from '../lang-button.js';

/** Username and password → `POST /sessions`; wrong passwords and the lockout said plainly. */
export function loginPage(onSignedIn: (session: Session) => void): HTMLElement {
  const notice = sessionStorage.getItem('gridlink.notice');
  sessionStorage.removeItem('gridlink.notice');
  const message = h(
    'p',
    { class: notice ? 'notice' : 'notice hidden', role: 'alert', id: 'login-message' },
    notice === 'sessionEnded' ? t('sessionEnded') : '',
  );
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 1024,
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login'));
  const show = (text: string) => {
    message.textContent = text;
    message.className = 'notice error';
  };
  const form = h(
    'form',
    {
      class: 'login card',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        submit.textContent = t('loggingIn');
        try {
          const answer = await call<{ token: string; user: User }>('POST', '/sessions', {
            username: username.value.trim(),
            password: password.value,
          });
          onSignedIn({ token: answer.token, user: answer.user });
        } catch (err) {
          if (err instanceof Problem && err.code === 'GL_LOGIN_THROTTLED') {
            show(t('loginLocked', { s: err.retryAfter ?? '' }));
          } else if (err instanceof Problem && err.code === 'GL_LOGIN_FAILED') show(t('loginFailed'));
          else show(err instanceof Problem ? err.text : String(err));
          password.value = '';
          submit.disabled = false;
          submit.textContent = t('login');
        }
      },
    },
    h('h1', {}, t('appName')),
    message,
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    submit,
  );
  return h('div', { class: 'login-page' }, h('div', { class: 'login-lang' }, langButton()), form);
}
