import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { watchCsp } from '@gridlink/testkit/browser';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/** For the console's browser tests: one Chromium a file, its pages checked for CSP refusals. */
export const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep screenshots of the pages the tests visit, at the sizes they use. */
export const SCREENSHOTS = process.env.GRIDLINK_CONSOLE_SCREENSHOTS;
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 768 };
export const VIEWPORTS = [PHONE, DESKTOP];

/** The suite's name, saying why it is skipped where Chromium is missing. */
export function browserSuite(name: string): string {
  return HAVE_CHROMIUM ? name : `${name} (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`;
}

/**
 * Called inside a `describe`: launches Chromium for the file and, after each test, closes its
 * pages, disconnects its devices and runs what it asked to be cleaned up (newest first), then
 * fails the test if any page's Content Security Policy refused something.
 */
export function useConsoleBrowser() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const clients: MqttClient[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  const firstCleanups: Array<() => Promise<void> | void> = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    for (const cleanup of [...firstCleanups.splice(0), ...cleanups.splice(0).reverse()]) await cleanup();
    expect(cspViolations.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  return {
    /**
     * Runs after the test (a gateway's stop, a simulator's close), newest first; `first` runs it
     * before every other (a gateway stopped before the cameras it talks to, whenever it started).
     */
    afterTest(cleanup: () => Promise<void> | void, options: { first?: boolean } = {}): void {
      (options.first ? firstCleanups : cleanups).push(cleanup);
    },

    /** A new browser context (its own cookies: its own session) on `path` of the console. */
    async open(base: string, viewport = DESKTOP, options: { locale?: string; path?: string } = {}): Promise<Page> {
      if (!browser) throw new Error('the browser is not launched yet');
      const context = await browser.newContext({ viewport, locale: options.locale ?? 'zh-CN' });
      contexts.push(context);
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(`${base}${options.path ?? '/'}`);
      return page;
    },

    async signIn(page: Page, account: { username: string; password: string }): Promise<void> {
      await page.locator('input[data-test=username]').fill(account.username);
      await page.locator('input[data-test=password]').fill(account.password);
      await page.locator('[data-test=login]').click();
      await page.locator('[data-test=overview]').waitFor();
    },

    /** A registered device connected to `gateway` with its own credentials (closed after the test). */
    async connectDevice(
      gateway: { ports: { tcp?: number | undefined } },
      issued: { device: { id: string }; password: string },
    ): Promise<MqttClient> {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
        clientId: issued.device.id,
        username: issued.device.id,
        password: issued.password,
        reconnectPeriod: 0,
      });
      clients.push(client);
      return client;
    },

    /** A full-page screenshot named `<name>-<width>.png`, when SCREENSHOTS asks for them. */
    async shoot(page: Page, name: string): Promise<void> {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      const { width } = page.viewportSize() ?? { width: 0 };
      // The header is sticky: a page scrolled down would show it over the page's own head.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: join(SCREENSHOTS, `${name}-${width}.png`),
        fullPage: true,
        animations: 'disabled',
      });
    },
  };
}
