export { watchCsp } from './csp-watch.js';
