export { CHANGES_CHANNEL, IncidentChange } from './changes.js';
export { type FeedItem, IncidentChangeFeed, type IncidentChangeFeedOptions } from './feed.js';
export { incidentStreamRoutes } from './routes.js';
export { DEFAULT_STREAM_LIMITS, type IncidentStreamLimits, IncidentStreams } from './streams.js';
