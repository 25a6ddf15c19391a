import type { Node, NodeAPI, NodeDef } from 'node-red';
import { CloudProblem } from '../../cloud/cloud-problem.js';
import { failureReason } from '../../cloud/failure-reason.js';
import { IncidentActions } from '../../cloud/incident-actions.js';
import { incidentRequestOf } from '../../cloud/incident-request.js';
import { useCloud } from '../../cloud/use-cloud.js';
import { errorStatus } from '../../kit/connection-state.js';
import { reportError } from '../../kit/errors.js';

interface IncidentOutDef extends NodeDef {
  cloud?: string;
  /** `Accept-Language` for the cloud's answers (problem details, step names); empty for the cloud's default. */
  language?: string;
}

/**
 * `gridlink-incident-out`: files a report or takes a transition on an incident for each message,
 * with a request id that makes a repeat harmless. The answer goes out as msg.payload; a refusal
 * goes to `catch` nodes with the cloud's problem details in msg.problem.
 */
export default function register(RED: NodeAPI): void {
  function GridlinkIncidentOut(this: Node, def: IncidentOutDef) {
    RED.nodes.createNode(this, def);
    const cloud = useCloud(RED, this, def.cloud);
    if (!cloud) return;
    const actions = new IncidentActions({ cloud, ...(def.language ? { language: def.language } : {}) });
    this.status({});

    this.on('input', (msg, send, done) => {
      const asked = incidentRequestOf(msg);
      if (!asked.ok) {
        this.status(errorStatus(asked.error.message));
        reportError(this, asked.error, msg);
        done();
        return;
      }
      const { request } = asked;
      const answer =
        request.kind === 'report' ? actions.report(request.body) : actions.transition(request.incidentId, request.body);
      answer
        .then((result) => {
          const { incident, step, repeated } = result;
          this.status({
            fill: 'green',
            shape: 'dot',
            text: `${step.action} ${incident.id}: ${incident.state}${repeated ? ' (repeat)' : ''}`,
          });
          send({ ...msg, payload: result, request_id: request.body.request_id, incident_id: incident.id });
          done();
        })
        .catch((error: unknown) => {
          const reason = failureReason(error);
          this.status(errorStatus(error instanceof CloudProblem ? error.code : reason));
          // The problem details ride on the message, so a `catch` flow can branch on `code`.
          if (error instanceof CloudProblem) msg.problem = error.problem;
          msg.request_id = request.body.request_id;
          reportError(this, reason, msg);
          done();
        });
    });
  }
  RED.nodes.registerType('gridlink-incident-out', GridlinkIncidentOut);
}
