import 'element-plus/theme-chalk/base.css';
import './app.css';
import { createApp } from 'vue';
import App from './App.vue';
import { lang, setLang } from './i18n.js';

setLang(lang());
createApp(App).mount('#app');
