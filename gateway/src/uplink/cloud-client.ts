import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { type AttachmentUpload, CLOUDEVENTS_BATCH_CONTENT_TYPE, type DownlinkAck } from '@gridlink/protocol';

export interface CloudClientOptions {
  url: string;
  gatewayId: string;
  token: string;
  caFile?: string | undefined;
  /** Client certificate and key, for a cloud that asks for them. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  tlsVerify: boolean;
  timeoutMs: number;
}

export interface CloudResponse {
  status: number;
  body: unknown;
}

/** The link could not carry the request at all (refused, reset, timed out): retry later. */
export class CloudUnreachableError extends Error {
  readonly code = 'cloud_unreachable';
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * The gateway's HTTP client for the cloud. The gateway opens every connection (it works behind
 * NAT); keep-alive sockets with Nagle off, so a lone alarm is not held back waiting for an ACK;
 * TLS certificates verified unless a test bench turns it off.
 */
export class CloudClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private readonly prefix: string;
  private offsetMs: number | null = null;

  constructor(private readonly options: CloudClientOptions) {
    this.base = new URL(options.url);
    const secure = this.base.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 4, noDelay: true };
    this.agent = secure
      ? new https.Agent({
          ...agentOptions,
          rejectUnauthorized: options.tlsVerify,
          ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
          ...(options.certFile && options.keyFile
            ? { cert: readFileSync(options.certFile), key: readFileSync(options.keyFile) }
            : {}),
        })
      : new http.Agent(agentOptions);
    const path = this.base.pathname.replace(/\/+$/, '');
    this.prefix = `${path}/api/v1/gateways/${encodeURIComponent(options.gatewayId)}`;
  }

  /** Posts a batch already serialised as a JSON array of CloudEvents. */
  postEvents(batchJson: string, signal?: AbortSignal): Promise<CloudResponse> {
    return this.request('POST', '/events', batchJson, CLOUDEVENTS_BATCH_CONTENT_TYPE, this.options.timeoutMs, signal);
  }

  /** Long-polls for downlink messages: the cloud answers when one is waiting or after `waitS`. */
  pollDownlink(waitS: number, limit: number, signal?: AbortSignal): Promise<CloudResponse> {
    const query = `?wait=${waitS}&limit=${limit}`;
    return this.request(
      'GET',
      `/downlink${query}`,
      undefined,
      undefined,
      this.options.timeoutMs + waitS * 1000,
      signal,
    );
  }

  ackDownlink(acks: DownlinkAck[], signal?: AbortSignal): Promise<CloudResponse> {
    return this.request(
      'POST',
      '/downlink/acks',
      JSON.stringify({ acks }),
      'application/json',
      this.options.timeoutMs,
      signal,
    );
  }

  /** The commissioning check's round trip: the cloud reads this gateway's record and answers. */
  commissioningLink(signal?: AbortSignal): Promise<CloudResponse> {
    return this.request('GET', '/commissioning/link', undefined, undefined, this.options.timeoutMs, signal);
  }

  /** How far this gateway's drill alert got in the cloud (404 until its drill incident exists). */
  drillStatus(alertId: string, signal?: AbortSignal): Promise<CloudResponse> {
    const path = `/commissioning/drills/${encodeURIComponent(alertId)}`;
    return this.request('GET', path, undefined, undefined, this.options.timeoutMs, signal);
  }

  /** Ends this gateway's drill in the cloud: its incident is archived (idempotent). */
  endDrill(alertId: string, signal?: AbortSignal): Promise<CloudResponse> {
    const path = `/commissioning/drills/${encodeURIComponent(alertId)}/end`;
    return this.request('POST', path, '{}', 'application/json', this.options.timeoutMs, signal);
  }

  /** Posts one camera snapshot: its description in the query, the image as the body. */
  postAttachment(
    upload: AttachmentUpload,
    mediaType: string,
    content: Buffer,
    signal?: AbortSignal,
  ): Promise<CloudResponse> {
    const query = new URLSearchParams(
      Object.entries(upload).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    return this.request('POST', `/attachments?${query}`, content, mediaType, this.options.timeoutMs, signal);
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * This machine's wall clock minus the cloud's, from the `Date` header of the last answer: to
   * within about a second (the header counts whole seconds). Null until the cloud has answered.
   */
  clockOffsetMs(): number | null {
    return this.offsetMs;
  }

  private noteCloudTime(date: string | undefined, sentAt: number): void {
    const cloud = date === undefined ? Number.NaN : Date.parse(date);
    if (Number.isNaN(cloud)) return;
    // The header is truncated to the second and stamped somewhere between sending and answering.
    this.offsetMs = Math.round((sentAt + Date.now()) / 2 - (cloud + 500));
  }

  private request(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    contentType: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<CloudResponse> {
    const transport = this.base.protocol === 'https:' ? https : http;
    const sentAt = Date.now();
    return new Promise((resolve, reject) => {
      const request = transport.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: `${this.prefix}${path}`,
          method,
          agent: this.agent,
          timeout: timeoutMs,
          ...(signal ? { signal } : {}),
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: 'application/json',
            ...(body === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(body).toString() }),
          },
        },
        (response) => {
          this.noteCloudTime(response.headers.date, sentAt);
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES)
              request.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? null : JSON.parse(text);
            } catch {
              // not JSON (a proxy's error page): kept as text for the log
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', (err) => reject(new CloudUnreachableError(err.message)));
        },
      );
      request.on('socket', (socket) => socket.setNoDelay(true));
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (err) => reject(new CloudUnreachableError(err.message)));
      request.end(body);
    });
  }
}
