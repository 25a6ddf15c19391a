import type { BrowserContext } from 'playwright-core';

/**
 * For browser tests: every page of `context` reports what its Content Security Policy refused into
 * `sink` — the DOM's securitypolicyviolation event (from a script injected before the page's own,
 * which the policy does not govern) and Chromium's console line.
 */
export async function watchCsp(context: BrowserContext, sink: string[]): Promise<void> {
  await context.exposeBinding('gridlinkCspViolation', ({ page }, text: string) => {
    sink.push(`securitypolicyviolation on ${page.url()}: ${text}`);
  });
  await context.addInitScript(
    `document.addEventListener('securitypolicyviolation', (event) =>
      window.gridlinkCspViolation(event.effectiveDirective + ' refused ' + event.blockedURI));`,
  );
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) sink.push(`console: ${message.text()}`);
  });
}
