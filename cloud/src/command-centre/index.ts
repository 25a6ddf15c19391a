export { LightMemo, type LightSchedulesOf } from './light-memo.js';
export { commandCentreOverview, type LightsOf, type OverviewQuery } from './overview.js';
export { COMMAND_CENTRE_ROLES, commandCentreScope } from './routes.js';
export { CommandCentreOverview, CommandCentrePins, CommandCentreQuery, PIN_LIGHTS, PinLight } from './schema.js';
