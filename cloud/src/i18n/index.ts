export { CATALOGUE, type Template, VOCABULARIES } from './catalogue.js';
export { DEFAULT_LANGUAGE, LANGUAGES, type Language, Message, message, storedMessage } from './message.js';
export { bilingual, languageOf, render } from './render.js';
