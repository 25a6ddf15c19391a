export { DISPATCH_ACTOR, type DispatchDecision, Dispatcher, type DispatcherOptions } from './dispatcher.js';
export { assigneeCheck, assigneeRefusal, type EligibleAssignee, eligibleAssignees } from './eligibility.js';
export { dispatchedNotification, operatorsNotification, placeText } from './messages.js';
export { DISPATCH_PATHS, DISPATCH_SCHEMAS } from './openapi.js';
export { type DispatchRoutesContext, dispatchRoutes, managesRobots } from './routes.js';
export {
  chooseTarget,
  type DispatchTarget,
  operatorsOver,
  territoryOf,
  unitServing,
  unitTypeOf,
} from './routing.js';
export {
  DispatchError,
  type DispatchSettings,
  DispatchStore,
  type RobotConfig,
  RobotKind,
  RobotList,
  type RobotOwner,
  RobotUpdate,
  type RobotView,
} from './store.js';
export {
  DEFAULT_NOTIFICATION_STREAM_LIMITS,
  HEARTBEAT_MS,
  type NotificationStreamLimits,
  NotificationStreams,
} from './streams.js';
