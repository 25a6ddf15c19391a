#!/usr/bin/env node
// @ts-check
/**
 * A container's health check without curl (the slim images have none):
 *
 *   node healthcheck.mjs http://127.0.0.1:8080/readyz
 *
 * Exits 0 when the URL answers 2xx within the timeout, 1 otherwise, with one line saying why.
 */
const url = process.argv[2];
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? 4000);
if (!url) {
  process.stderr.write('usage: healthcheck.mjs <url>\n');
  process.exit(2);
}
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  if (response.ok) process.exit(0);
  process.stderr.write(`${url}: HTTP ${response.status} ${body.slice(0, 300)}\n`);
  process.exit(1);
} catch (error) {
  const cause = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code;
  process.stderr.write(`${url}: ${cause ?? (error instanceof Error ? error.message : String(error))}\n`);
  process.exit(1);
}
