import { ref } from 'vue';

/** The page is the URL's hash (`#/incidents/…`): links to an incident can be shared and bookmarked. */
function read(): string {
  return location.hash.replace(/^#/, '') || '/incidents';
}

export const route = ref(read());
window.addEventListener('hashchange', () => {
  route.value = read();
});

export function navigate(hash: string): void {
  if (location.hash === hash) route.value = read();
  else location.hash = hash;
}
