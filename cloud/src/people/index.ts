export {
  API_TOKEN_PREFIX,
  type ApiToken,
  type ApiTokenLimits,
  ApiTokenStore,
  DEFAULT_API_TOKEN_LIMITS,
  type IssuedApiToken,
  isApiToken,
} from './api-tokens.js';
export { type Actor, type AuditEntry, type AuditRecord, actorName, auditOf, writeAudit } from './audit.js';
export { AuditLogPage, AuditLogQuery, AuditLogRecord, PERSONAL_DATA_ACTIONS } from './audit-log.js';
export { type Contact, ContactBody, ContactStore, contactTarget, Phone } from './contacts.js';
export {
  type DisposalUnit,
  type DisposalUnitChange,
  DisposalUnitStore,
  type NewDisposalUnit,
} from './disposal-units.js';
export { PeopleError, type PeopleErrorCode } from './errors.js';
export {
  authenticateManager,
  authenticateUser,
  type Manager,
  managesTerritory,
  principalFromRequest,
  principalOf,
  requireRole,
} from './middleware.js';
export { DEFAULT_SCRYPT, hashPassword, passwordProblem, type ScryptParameters, verifyPassword } from './passwords.js';
export { createPeople, type People, type PeopleOptions } from './people.js';
export {
  ROLES,
  Role,
  type RoleAssignment,
  RoleAssignmentInput,
  SCOPE_KINDS,
  type ScopeKind,
  scopeProblem,
} from './roles.js';
export {
  type DutyPeriod,
  GRID_POSITIONS,
  type GridMember,
  type GridPosition,
  type Leave,
  type NamedMember,
  type OnDuty,
  RosterStore,
} from './rosters.js';
export {
  administers,
  canSeeTerritory,
  hasRole,
  isVisible,
  type Principal,
  type ScopedRow,
  type ScopeFilter,
  scopeFilter,
} from './scope.js';
export {
  DEFAULT_SESSION_SETTINGS,
  SESSION_SETTINGS_TARGET,
  SessionSettings,
  SessionSettingsStore,
} from './session-settings.js';
export {
  DEFAULT_SESSION_POLICY,
  type IssuedSession,
  type LoginResult,
  SESSION_TOKEN_PREFIX,
  type SessionPolicy,
  SessionStore,
  sessionPolicy,
} from './sessions.js';
export { type NewUser, type User, type UserChange, UserStore } from './users.js';
