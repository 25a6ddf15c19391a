/** One `event: incident` frame of `/incidents/stream`, as the protocol's IncidentStreamChange. */
export interface IncidentFrame {
  id: string;
  version: number;
  state: string;
  grid: string | null;
  community: string | null;
}

/**
 * A signed-in client of the incident stream (SSE over fetch, as the web pages hold it): calls
 * `onIncident` for every incident change it receives, counts them, and closes on `close()`.
 */
export class IncidentStreamClient {
  frames = 0;
  private readonly abort = new AbortController();
  private constructor(private readonly onIncident: (frame: IncidentFrame, at: number) => void) {}

  static async open(
    url: string,
    token: string,
    onIncident: (frame: IncidentFrame, at: number) => void = () => {},
  ): Promise<IncidentStreamClient> {
    const client = new IncidentStreamClient(onIncident);
    const response = await fetch(`${url}/api/v1/incidents/stream`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: client.abort.signal,
    });
    if (response.status !== 200 || !response.body)
      throw new Error(`incident stream: HTTP ${response.status} ${await response.text()}`);
    void client.read(response.body).catch(() => {});
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      const at = performance.now();
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!frame.startsWith('event: incident')) continue;
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (data === undefined) continue;
        this.frames++;
        this.onIncident(JSON.parse(data) as IncidentFrame, at);
      }
    }
  }

  close(): void {
    this.abort.abort();
  }
}
