/** The work log 民情日志: the types the web pages read (`@gridlink/cloud`). */
export { ENTRY_KINDS, type EntryKind } from './kinds.js';
export type { EntryPhotoLink, WorklogContext } from './routes.js';
export type { WorklogSettings } from './schemas.js';
export type { EntryDetail, EntryPage, EntryPhoto, EntryVersion, EntryView, PlaceOption } from './store.js';
