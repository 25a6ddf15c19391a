import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName, maskPhone } from './mask.js';
import { covers, reachesCase, reachOf, usesMediation } from './reach.js';

const GRID = '320803001001001';

describe('what lists show of a party', () => {
  it('keeps a name’s first character, a mobile’s 3 and 4 digits, an ID number’s 4 and 4', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳小明')).toBe('欧***');
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('+86 138-1234-1234')).toBe('138****1234');
    expect(maskPhone('5551234')).toBe('*****34');
    expect(maskIdNumber('110101199003071234')).toBe('1101**********1234');
  });
});

describe('who reaches a mediation case', () => {
  const principal = (assignments: { role: string; scope: string }[]) =>
    reachOf({
      userId: 'u1',
      username: 'u1',
      displayName: 'U1',
      territoryCode: '320803',
      assignments: assignments as never,
    });
  const inGrid = { territory: GRID, mediator_id: 'someone' };

  it('lets operators, district admins and grid workers act on every case of their territory', () => {
    for (const role of ['operator', 'district_admin', 'grid_worker'])
      expect(reachesCase(principal([{ role, scope: role === 'grid_worker' ? GRID : '320803001' }]), inGrid)).toBe(true);
    expect(covers(principal([{ role: 'grid_worker', scope: '320803001001002' }]), GRID)).toBe(false);
  });

  it('lets a mediator act only on the cases assigned to it inside its own scope', () => {
    const mediator = principal([{ role: 'mediator', scope: '320803001001' }]);
    expect(usesMediation(mediator)).toBe(true);
    expect(covers(mediator, GRID)).toBe(false);
    expect(reachesCase(mediator, inGrid)).toBe(false);
    expect(reachesCase(mediator, { territory: GRID, mediator_id: 'u1' })).toBe(true);
    expect(reachesCase(mediator, { territory: '320803002001001', mediator_id: 'u1' })).toBe(false);
  });

  it('gives nobody else a part', () => {
    expect(usesMediation(principal([{ role: 'property_manager', scope: '320803001001' }]))).toBe(false);
    expect(usesMediation(principal([{ role: 'callback_agent', scope: '320803' }]))).toBe(false);
  });
});
