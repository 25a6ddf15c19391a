import 'vant/es/style/base.css';
import './styles/app.css';
import { createApp } from 'vue';
import App from './App.vue';
import { lang, setLang } from './i18n.js';
import { registerServiceWorker } from './pwa/register.js';

setLang(lang());
createApp(App).mount('#app');
registerServiceWorker();
