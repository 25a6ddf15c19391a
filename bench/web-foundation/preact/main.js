import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { INCIDENTS, rendered } from '../data.js';

// No component library: Preact has no maintained Chinese-ready kit, so the page is plain HTML.
function App() {
  const [username, setUsername] = useState('');
  useEffect(rendered, []);
  return h(
    'main',
    null,
    h(
      'form',
      null,
      h(
        'label',
        null,
        '用户名',
        h('input', { name: 'username', value: username, onInput: (e) => setUsername(e.currentTarget.value) }),
      ),
      h('label', null, '密码', h('input', { name: 'password', type: 'password' })),
      h('button', { type: 'submit' }, '登录'),
    ),
    h(
      'ul',
      null,
      INCIDENTS.map((i) => h('li', { key: i.id }, h('strong', null, i.title), ` ${i.state} ${i.place}`)),
    ),
  );
}
render(h(App, null), document.getElementById('app'));
