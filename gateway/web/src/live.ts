import { onBeforeUnmount, ref } from 'vue';

/**
 * The gateway's server-sent events while a page is open. The browser reconnects by itself; a
 * reconnect also follows the gateway cutting a reader that fell behind.
 */
export function useLive(handlers: Record<string, (data: unknown) => void>) {
  const connected = ref(false);
  const source = new EventSource('/api/console/events');
  source.onopen = () => {
    connected.value = true;
  };
  source.onerror = () => {
    connected.value = false;
  };
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (message) => handle(JSON.parse((message as MessageEvent<string>).data)));
  }
  onBeforeUnmount(() => source.close());
  return { connected };
}
