import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { ProblemError } from '../http/problems.js';
import { managesTerritory, principalOf, requireRole } from './middleware.js';
import type { Principal } from './scope.js';

const worker: Principal = {
  userId: 'u-7',
  username: 'grid.worker',
  displayName: 'Grid worker',
  territoryCode: '320803001001',
  assignments: [{ role: 'grid_worker', scope: '320803001001003' }],
};

const run = (middleware: ReturnType<typeof requireRole>, principal: Principal | undefined) => {
  const next = vi.fn();
  const res = { locals: principal === undefined ? {} : { principal } } as unknown as Response;
  middleware({} as Request, res, next);
  return next;
};

describe('requireRole', () => {
  it('lets a principal holding one of the roles through', () => {
    expect(run(requireRole('operator', 'grid_worker'), worker)).toHaveBeenCalledOnce();
  });

  it('refuses the others with a 403 problem naming the roles', () => {
    let thrown: unknown;
    try {
      run(requireRole('district_admin', 'operator'), worker);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    expect((thrown as ProblemError).toProblem(undefined, 'en')).toMatchObject({
      status: 403,
      code: 'GL_FORBIDDEN',
      detail: 'this needs the role district_admin or operator',
    });
    expect((thrown as ProblemError).toProblem()).toMatchObject({
      detail: '此操作需要以下角色之一：区/街道管理员、受理员/派遣员',
    });
  });

  it('is a programming error without authenticateUser before it', () => {
    expect(() => run(requireRole('operator'), undefined)).toThrow('principalOf needs authenticateUser before it');
    expect(() => principalOf({ locals: {} } as unknown as Response)).toThrow();
  });
});

describe('managesTerritory', () => {
  it('is everything for the admin token and the administered territory for a district admin', () => {
    expect(managesTerritory({ kind: 'admin' }, '320804')).toBe(true);
    const streetAdmin: Principal = { ...worker, assignments: [{ role: 'district_admin', scope: '320803001' }] };
    expect(managesTerritory({ kind: 'user', principal: streetAdmin }, '320803001002')).toBe(true);
    expect(managesTerritory({ kind: 'user', principal: streetAdmin }, '320803002')).toBe(false);
    expect(managesTerritory({ kind: 'user', principal: worker }, '320803001001003')).toBe(false);
  });
});
