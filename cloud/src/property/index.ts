/** The property manager's pages: the types the web pages read (`@gridlink/cloud`). */
export type { AlertDisposition, CommunityAlert } from './alerts.js';
export type { PropertyMonthKpis } from './kpis.js';
export type { DeviceCondition, GatewayLink, OverviewDevice, PropertyOverview } from './overview.js';
export type { PropertyDeviceReadings } from './readings.js';
export type { DeviceTicket, PropertyDevicePage } from './routes.js';
