export { commandCentreOverview, type OverviewQuery, type StatusesOf } from './overview.js';
export { COMMAND_CENTRE_ROLES, commandCentreScope } from './routes.js';
export { CommandCentreOverview, CommandCentrePins, CommandCentreQuery, PIN_LIGHTS, PinLight } from './schema.js';
