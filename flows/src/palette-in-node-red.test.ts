import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltPalette, buildPalette } from './build/build-palette.js';
import { type NodeRedProcess, startNodeRed } from './test-support/node-red-process.js';

interface NodeSet {
  module: string;
  name: string;
  types: string[];
  enabled: boolean;
  err?: string;
}

describe('the built palette in a real Node-RED process', () => {
  let work: string;
  let palette: BuiltPalette;
  let red: NodeRedProcess;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gridlink-node-red-'));
    palette = await buildPalette(join(work, 'palette'));
    red = await startNodeRed(join(work, 'user'), [palette.packageDir]);
  }, 60_000);

  afterAll(async () => {
    await red?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('registers every node set of package.json, loaded without errors (GET /nodes)', async () => {
    const response = await fetch(`${red.url}nodes`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const sets = ((await response.json()) as NodeSet[]).filter((set) => set.module === '@gridlink/flows');
    expect(sets.map(({ name, types, enabled, err }) => ({ name, types, enabled, err }))).toEqual(
      palette.nodeTypes.map((type) => ({ name: type, types: [type], enabled: true, err: undefined })),
    );
  });

  it('serves each node’s editor form with the protocol’s data filled in, in the gridlink palette', async () => {
    const html = await (await fetch(`${red.url}nodes`, { headers: { accept: 'text/html' } })).text();
    for (const type of palette.nodeTypes) expect(html).toContain(`data-template-name="${type}"`);
    expect(html).not.toContain('__GRIDLINK_EDITOR_DATA__');
    expect(html).toContain('"defaultBaseTopic":"gridlink"');
  });

  it('has help and labels in English and Chinese, and its icons', async () => {
    for (const type of palette.nodeTypes) {
      const zh = await (await fetch(`${red.url}locales/@gridlink/flows/${type}?lng=zh-CN`)).json();
      const en = await (await fetch(`${red.url}locales/@gridlink/flows/${type}?lng=en-US`)).json();
      expect(zh[type].paletteLabel).toMatch(/[\u4e00-\u9fff]/);
      expect(en[type].paletteLabel).toMatch(/^gridlink /);
    }
    for (const lang of ['zh-CN', 'en-US']) {
      const headers = { accept: 'text/html', 'accept-language': lang };
      const html = await (await fetch(`${red.url}nodes`, { headers })).text();
      for (const type of palette.nodeTypes) expect(html).toContain(`data-help-name="${type}"`);
    }
    expect((await fetch(`${red.url}icons/@gridlink/flows/gridlink.svg`)).status).toBe(200);
  });
});
