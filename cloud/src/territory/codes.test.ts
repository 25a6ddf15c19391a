import { describe, expect, it } from 'vitest';
import { isDedicatedGrid, levelOf, parentOf, parseTerritoryCode, TerritoryCode, territoryCode } from './codes.js';
import { TerritoryError } from './errors.js';

describe('territory codes', () => {
  it('have a level for each length: district 6, street 9, community 12, grid 15, micro-grid 18 digits', () => {
    expect(levelOf('320803')).toBe('district');
    expect(levelOf('320803001')).toBe('street');
    expect(levelOf('320803001001')).toBe('community');
    expect(levelOf('320803001001001')).toBe('grid');
    expect(levelOf('320803001001001002')).toBe('micro_grid');
  });

  it('name their parent: the code less its last three digits; a district has none', () => {
    expect(parentOf('320803001001001002')).toBe('320803001001001');
    expect(parentOf('320803001001001')).toBe('320803001001');
    expect(parentOf('320803001001')).toBe('320803001');
    expect(parentOf('320803001')).toBe('320803');
    expect(parentOf('320803')).toBeUndefined();
  });

  it('take a grid code apart as county6 + town3 + village3 + seq3', () => {
    expect(parseTerritoryCode('320803001001002')).toEqual({
      code: '320803001001002',
      level: 'grid',
      district: '320803',
      street: '320803001',
      community: '320803001001',
      grid: '320803001001002',
      dedicated: false,
    });
  });

  it('mark grids with sequence 9xx, and micro-grids inside them, as dedicated (专属网格)', () => {
    expect(isDedicatedGrid('320803001001901')).toBe(true);
    expect(isDedicatedGrid('320803001001901003')).toBe(true);
    expect(isDedicatedGrid('320803001001099')).toBe(false);
    expect(isDedicatedGrid('320803001001')).toBe(false);
  });

  it('refuse malformed codes with an error naming the field and the problem', () => {
    const problem = (code: unknown, field?: string, level?: Parameters<typeof territoryCode>[0]) => {
      try {
        parseTerritoryCode(code, field, level);
      } catch (err) {
        expect(err).toBeInstanceOf(TerritoryError);
        return (err as Error).message;
      }
      throw new Error(`${String(code)} was accepted`);
    };
    expect(problem('32080300100', 'grid_code')).toBe(
      'grid_code: expected a territory code of 6, 9, 12, 15 or 18 digits, received "32080300100" (11 digits)',
    );
    expect(problem('3208030010010O1')).toBe(
      'code: expected a territory code of 6, 9, 12, 15 or 18 digits, received "3208030010010O1" (not only digits)',
    );
    expect(problem(320803)).toBe('code: expected a territory code of 6, 9, 12, 15 or 18 digits, received number');
    expect(problem('320800001001001', 'grid')).toBe(
      'grid: "320800001001001": district part 320800 ends in 00, which is a province or prefecture, not a county-level code',
    );
    expect(problem('320803000001001', 'grid')).toBe(
      'grid: "320803000001001": street/town part (digits 7-9) is 000; it must be 001-999',
    );
    expect(problem('320803001001000', 'grid')).toBe(
      'grid: "320803001001000": grid sequence part (digits 13-15) is 000; it must be 001-999',
    );
    expect(problem('320803001001', 'grid', 'grid')).toBe(
      'grid: expected a grid code of 15 digits (district 6 + street/town 3 + community/village 3 + sequence 3), received "320803001001" (12 digits)',
    );
  });

  it('are zod schemas too, for any level or for one', () => {
    expect(TerritoryCode.safeParse('320803001001').success).toBe(true);
    expect(territoryCode('community').safeParse('320803001001').success).toBe(true);
    const result = territoryCode('grid').safeParse('320803001001');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^expected a grid code of 15 digits/);
  });
});
