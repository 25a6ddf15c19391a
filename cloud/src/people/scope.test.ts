import { describe, expect, it } from 'vitest';
import type { RoleAssignment } from './roles.js';
import { scopeProblem } from './roles.js';
import { administers, canSeeTerritory, isVisible, type Principal, scopeFilter } from './scope.js';

const principal = (...assignments: RoleAssignment[]): Principal => ({
  userId: 'u-1',
  username: 'someone',
  displayName: 'Someone',
  territoryCode: '320803',
  assignments,
});

// 淮安区 320803 ⊃ street 320803001 ⊃ community 320803001001 ⊃ grid 320803001001003 ⊃ micro-grid …003001
const DISTRICT = '320803';
const STREET = '320803001';
const COMMUNITY = '320803001001';
const GRID = '320803001001003';
const MICRO_GRID = '320803001001003001';
const OTHER_STREET = '320803002';
const OTHER_COMMUNITY = '320803001002';
const OTHER_GRID = '320803001001004';
const OTHER_DISTRICT = '320804';

describe('canSeeTerritory: territory codes nest by prefix', () => {
  it.each([
    [
      'a district admin',
      principal({ role: 'district_admin', scope: DISTRICT }),
      [DISTRICT, STREET, GRID, OTHER_STREET],
      [OTHER_DISTRICT],
    ],
    [
      'a street admin',
      principal({ role: 'district_admin', scope: STREET }),
      [STREET, COMMUNITY, GRID],
      [DISTRICT, OTHER_STREET],
    ],
    [
      'a street centre operator',
      principal({ role: 'operator', scope: STREET }),
      [STREET, COMMUNITY, MICRO_GRID],
      [DISTRICT, OTHER_STREET],
    ],
    [
      'a community centre operator',
      principal({ role: 'operator', scope: COMMUNITY }),
      [COMMUNITY, GRID],
      [STREET, OTHER_COMMUNITY],
    ],
    [
      'a grid worker',
      principal({ role: 'grid_worker', scope: GRID }),
      [GRID, MICRO_GRID],
      [COMMUNITY, OTHER_GRID, DISTRICT],
    ],
    [
      'a grid worker of two grids',
      principal({ role: 'grid_worker', scope: GRID }, { role: 'grid_worker', scope: OTHER_GRID }),
      [GRID, OTHER_GRID],
      [COMMUNITY, '320803001001005'],
    ],
    [
      'a property manager',
      principal({ role: 'property_manager', scope: COMMUNITY }),
      [COMMUNITY, GRID, OTHER_GRID],
      [STREET, OTHER_COMMUNITY],
    ],
    ['a disposal unit', principal({ role: 'disposal_unit', scope: 'gas-huaian' }), [], [DISTRICT, GRID]],
    ['an installer', principal({ role: 'installer', scope: 'gw-320803-001' }), [], [DISTRICT, GRID]],
    [
      'a callback agent (closed incidents only)',
      principal({ role: 'callback_agent', scope: DISTRICT }),
      [],
      [DISTRICT, GRID],
    ],
    ['a user without roles', principal(), [], [DISTRICT]],
  ] as const)('%s', (_name, who, inside, outside) => {
    for (const code of inside) expect(canSeeTerritory(who, code), `inside ${code}`).toBe(true);
    for (const code of outside) expect(canSeeTerritory(who, code), `outside ${code}`).toBe(false);
  });

  it('does not take a code that merely starts with the same digits at another level for a sibling', () => {
    // 320803001 is a street; 3208030010 is no code at all, but a grid of another street is not inside.
    expect(canSeeTerritory(principal({ role: 'operator', scope: STREET }), '320803002001001')).toBe(false);
  });
});

describe('scopeFilter: what a query filters rows on', () => {
  it('lists each kind of scope, dropping codes a wider one already covers', () => {
    const filter = scopeFilter(
      principal(
        { role: 'operator', scope: STREET },
        { role: 'district_admin', scope: COMMUNITY },
        { role: 'grid_worker', scope: GRID },
        { role: 'grid_worker', scope: '320803002001001' },
        { role: 'property_manager', scope: OTHER_COMMUNITY },
        { role: 'disposal_unit', scope: 'gas-huaian' },
        { role: 'installer', scope: 'gw-320803-001' },
        { role: 'callback_agent', scope: DISTRICT },
      ),
    );
    expect(filter).toEqual({
      territoryPrefixes: [STREET],
      gridCodes: ['320803002001001'],
      communityCodes: [],
      disposalUnitIds: ['gas-huaian'],
      gatewayIds: ['gw-320803-001'],
      closedIncidentPrefixes: [DISTRICT],
    });
  });

  it('lets a grid worker see only their grids’ rows, a disposal unit only work dispatched to it', () => {
    const worker = scopeFilter(principal({ role: 'grid_worker', scope: GRID }));
    expect(isVisible(worker, { territoryCode: GRID })).toBe(true);
    expect(isVisible(worker, { territoryCode: MICRO_GRID })).toBe(true);
    expect(isVisible(worker, { territoryCode: OTHER_GRID })).toBe(false);
    expect(isVisible(worker, { territoryCode: OTHER_GRID, disposalUnitId: 'gas-huaian' })).toBe(false);

    const unit = scopeFilter(principal({ role: 'disposal_unit', scope: 'gas-huaian' }));
    expect(isVisible(unit, { territoryCode: GRID, disposalUnitId: 'gas-huaian' })).toBe(true);
    expect(isVisible(unit, { territoryCode: GRID, disposalUnitId: 'water-huaian' })).toBe(false);
    expect(isVisible(unit, { territoryCode: GRID })).toBe(false);
  });

  it('lets a callback agent see closed incidents of their territory and nothing open', () => {
    const agent = scopeFilter(principal({ role: 'callback_agent', scope: STREET }));
    expect(isVisible(agent, { territoryCode: GRID, closed: true })).toBe(true);
    expect(isVisible(agent, { territoryCode: GRID, closed: false })).toBe(false);
    expect(isVisible(agent, { territoryCode: '320803002001001', closed: true })).toBe(false);
  });

  it('lets a property manager see their community and an operator their centre’s territory', () => {
    const manager = scopeFilter(principal({ role: 'property_manager', scope: COMMUNITY }));
    expect(isVisible(manager, { territoryCode: GRID })).toBe(true);
    expect(isVisible(manager, { territoryCode: OTHER_COMMUNITY })).toBe(false);
    const operator = scopeFilter(principal({ role: 'operator', scope: STREET }));
    expect(isVisible(operator, { territoryCode: OTHER_GRID })).toBe(true);
    expect(isVisible(operator, { territoryCode: '320803002001001' })).toBe(false);
  });
});

describe('administers', () => {
  it('is a district_admin scope over the code; other roles administer nothing', () => {
    expect(administers(principal({ role: 'district_admin', scope: STREET }), GRID)).toBe(true);
    expect(administers(principal({ role: 'district_admin', scope: STREET }), DISTRICT)).toBe(false);
    expect(administers(principal({ role: 'operator', scope: DISTRICT }), GRID)).toBe(false);
  });
});

describe('scopeProblem: each role’s scope has its own form', () => {
  it.each([
    ['district_admin', DISTRICT, undefined],
    ['district_admin', STREET, undefined],
    ['operator', COMMUNITY, undefined],
    [
      'operator',
      GRID,
      'operator needs a centre\'s territory code: district 6, street 9 or community 12 digits, received "320803001001003"',
    ],
    ['grid_worker', GRID, undefined],
    ['grid_worker', COMMUNITY, 'grid_worker needs a 15-digit grid code, received "320803001001"'],
    ['property_manager', COMMUNITY, undefined],
    ['property_manager', STREET, 'property_manager needs a 12-digit community code, received "320803001"'],
    ['disposal_unit', 'gas-huaian', undefined],
    ['disposal_unit', 'Gas Huaian', 'disposal_unit needs a disposal unit id, received "Gas Huaian"'],
    ['installer', 'gw-320803-001', undefined],
    ['callback_agent', DISTRICT, undefined],
  ] as const)('%s over %s', (role, scope, problem) => {
    expect(scopeProblem(role, scope)).toBe(problem);
  });
});
