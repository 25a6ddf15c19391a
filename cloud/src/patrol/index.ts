/** Patrol: the record types the pages read (`@gridlink/cloud`). */
export type { DayRound, DayRoute, RoundState, WorkerDay } from './day.js';
export type { PositionRefusal, PositionRefusalCode } from './ingest.js';
export type { PatrolCounts, PatrolGridKpis, PatrolKpis, PatrolWorkerKpis } from './kpis.js';
export type { PatrolPhoto } from './photos.js';
export type { PatrolCheckpoint, PatrolRoute, RoundWindow } from './plans.js';
export type { PatrolBatchResult, PatrolDay, PatrolLive, PatrolSessionPage, PatrolTrajectory } from './routes.js';
export type { BatchAnswer, CheckinFlag, LivePosition, PatrolCheckin, PatrolSession } from './sessions.js';
export type { PatrolSettings } from './settings.js';
export type { PatrolTask, TaskKind } from './tasks.js';
export type { DisplayPoint, DisplayTrack, TrackGap } from './trajectory.js';
