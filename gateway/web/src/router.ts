import { ref } from 'vue';

/**
 * The page is the URL's path (`/devices/door-b1-01`): an installer can bookmark a device or reload
 * a page. The gateway serves the same page shell for every such path.
 */
export const path = ref(location.pathname);

window.addEventListener('popstate', () => {
  path.value = location.pathname;
});

export function go(to: string): void {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  path.value = to;
}
