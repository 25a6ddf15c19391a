/** What the cloud's configuration tells the pages (`GET /web-config.json`): the map tiles, if any. */
export interface WebSettings {
  map: { tile_url: string | null; attribution: string };
}

const NONE: WebSettings = { map: { tile_url: null, attribution: '' } };
let loaded: Promise<WebSettings> | undefined;

/** Read once per page load; without an answer the pages run on the defaults (no tiles). */
export function webSettings(): Promise<WebSettings> {
  loaded ??= fetch('/web-config.json', { headers: { accept: 'application/json' } })
    .then((response) => (response.ok ? (response.json() as Promise<WebSettings>) : NONE))
    .catch(() => {
      loaded = undefined;
      return NONE;
    });
  return loaded;
}
