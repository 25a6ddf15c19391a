import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPublicAddress } from './webhook-policy.js';

/** Resolves a host name to every address it has (node's `dns.lookup` with `all`); replaceable in tests. */
export type Resolver = (hostname: string, callback: (err: Error | null, addresses: string[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) =>
  dnsLookup(hostname, { all: true }, (err, addresses) =>
    callback(err, err ? [] : addresses.map((entry) => entry.address)),
  );

export interface WebhookPostOptions {
  /** Check every address the host resolves to and connect only to those checked (platform hosts). */
  publicOnly: boolean;
  timeoutMs: number;
  resolver?: Resolver;
}

export interface WebhookAnswer {
  status: number;
  body: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs a JSON body to a robot webhook the policy allowed. Redirects are answered, never followed
 * (a redirect would take the post to a host nobody allowed). With `publicOnly`, the addresses are
 * checked inside the connection's own lookup, so the socket goes to exactly the address that was
 * checked: a name that answers a public address to the check and 127.0.0.1 to the connection
 * (DNS rebinding) cannot slip between the two.
 */
export function postWebhook(url: URL, body: string, options: WebhookPostOptions): Promise<WebhookAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const resolver = options.resolver ?? systemResolver;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) =>
    resolver(hostname, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const internal = addresses.find((address) => !isPublicAddress(address));
      if (addresses.length === 0 || internal !== undefined)
        return callback(
          new Error(`${hostname} resolves to ${internal ?? 'no address'}, not a public address: refused`),
          '',
          0,
        );
      const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if (lookupOptions.all) return (callback as (err: null, all: typeof entries) => void)(null, entries);
      const first = entries[0] as (typeof entries)[number];
      callback(null, first.address, first.family);
    });
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const req = send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(payload.length) },
      ...(options.publicOnly ? { lookup } : {}),
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.destroy();
        clearTimeout(timer);
        reject(new Error(`answered a redirect (HTTP ${status}), which is not followed`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          res.destroy(new Error(`answered more than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(payload);
  });
}
