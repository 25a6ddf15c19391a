import { CATEGORY_SEEDS } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, useTestCloud } from '../test-support.js';
import { CategoryCatalogue, CategoryError } from './catalogue.js';

describe.each(BACKENDS)('the category catalogue (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  let catalogue: CategoryCatalogue;
  beforeAll(async () => {
    catalogue = new CategoryCatalogue(cloud().db);
    await catalogue.seed();
  });

  it('is seeded with the three-level taxonomy, each category under its parent', async () => {
    const all = await catalogue.list();
    expect(all.length).toBe(CATEGORY_SEEDS.length + 2);
    expect(await catalogue.get('emergency.gas_leak')).toMatchObject({
      parent: 'emergency',
      level: 2,
      name: { zh: '燃气泄漏', en: 'Gas leak' },
      default_severity: 'critical',
      unit_type: 'gas_company',
      urban_management_code: '0401',
      closing_condition: expect.stringContaining('gas company'),
    });
    expect(await catalogue.get('device_maintenance.offline')).toMatchObject({
      governance: false,
      unit_type: 'property_company',
    });
  });

  it('seeding again adds nothing and keeps what an administrator changed', async () => {
    await catalogue.upsert({
      code: 'safety.fire_lane',
      name: { zh: '消防通道堵塞', en: 'Fire lane obstructed' },
      default_severity: 'critical',
    });
    expect(await catalogue.seed()).toBe(0);
    expect((await catalogue.get('safety.fire_lane'))?.name.zh).toBe('消防通道堵塞');
  });

  it('refuses a category whose parent does not exist, and an invalid code, naming the field', async () => {
    const missing = catalogue.upsert({
      code: 'nowhere.item',
      name: { zh: '无', en: 'None' },
      default_severity: 'minor',
    });
    await expect(missing).rejects.toMatchObject({ code: 'GL_CATEGORY_PARENT_MISSING' });
    await expect(
      catalogue.upsert({ code: 'Bad Code', name: { zh: '无', en: 'None' }, default_severity: 'minor' }),
    ).rejects.toThrow(/^code: a category code is 1-3 dot-separated snake_case levels/);
    await expect(
      catalogue.upsert({ code: 'a.b.c.d', name: { zh: '无', en: 'None' }, default_severity: 'minor' }),
    ).rejects.toBeInstanceOf(CategoryError);
  });

  it('adds a third-level task item under a subcategory', async () => {
    const item = await catalogue.upsert({
      code: 'urban_management.manhole_cover.rainwater',
      name: { zh: '雨水井盖', en: 'Rainwater manhole cover' },
      default_severity: 'critical',
      unit_type: 'drainage_company',
    });
    expect(item).toMatchObject({ level: 3, parent: 'urban_management.manhole_cover' });
  });

  it('finds the most specific time limit: category × severity, then category, then parents, then the default', async () => {
    // practice figures from docs/domain.md §4
    expect(await catalogue.limitFor('urban_management.manhole_cover', 'critical', 'handle')).toEqual({
      value: 2,
      unit: 'natural_hours',
    });
    expect(await catalogue.limitFor('urban_management.exposed_garbage', 'minor', 'handle')).toEqual({
      value: 4,
      unit: 'working_hours',
    });
    expect(await catalogue.limitFor('urban_management.illegal_construction', 'major', 'handle')).toEqual({
      value: 15,
      unit: 'working_days',
    });
    expect(await catalogue.limitFor('dispute', 'minor', 'file_dispatch')).toEqual({
      value: 30,
      unit: 'natural_minutes',
    });
    expect(await catalogue.limitFor('dispute', 'critical', 'file_dispatch')).toEqual({
      value: 10,
      unit: 'natural_minutes',
    });
    // a task item inherits its parent's limit
    expect(await catalogue.limitFor('urban_management.manhole_cover.rainwater', 'critical', 'handle')).toEqual({
      value: 2,
      unit: 'natural_hours',
    });
    // an administrator's rule for this category and severity wins over everything else
    await catalogue.setLimit({
      category: 'urban_management.manhole_cover',
      severity: 'critical',
      step: 'handle',
      limit: { value: 90, unit: 'natural_minutes' },
    });
    expect(await catalogue.limitFor('urban_management.manhole_cover.rainwater', 'critical', 'handle')).toEqual({
      value: 90,
      unit: 'natural_minutes',
    });
  });

  it("reads several steps' limits at once, each the most specific, and names a step it was not asked for", async () => {
    const limitOf = await catalogue.limitsFor('urban_management.manhole_cover', 'critical', [
      'handle',
      'file_dispatch',
    ]);
    expect([limitOf('handle'), limitOf('file_dispatch')]).toEqual([
      await catalogue.limitFor('urban_management.manhole_cover', 'critical', 'handle'),
      await catalogue.limitFor('urban_management.manhole_cover', 'critical', 'file_dispatch'),
    ]);
    expect(() => limitOf('callback')).toThrow('no time limit for step callback (seed the catalogue)');
  });
});
