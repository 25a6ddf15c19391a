import { onScopeDispose, ref } from 'vue';

/** Phones (below 768 CSS px): bottom tab bar, collapsed filters, Vant's touch sizes. */
export const PHONE_QUERY = '(max-width: 767px)';

export function useMediaQuery(query: string) {
  const list = window.matchMedia(query);
  const matches = ref(list.matches);
  const changed = (event: MediaQueryListEvent) => {
    matches.value = event.matches;
  };
  list.addEventListener('change', changed);
  onScopeDispose(() => list.removeEventListener('change', changed));
  return matches;
}
