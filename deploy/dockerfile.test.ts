import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readComposeFile, readEnvFile } from './compose-file.js';
import { checkDockerfile, parseDockerfile } from './dockerfile-rules.js';

const root = new URL('../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const compose = readComposeFile(
  new URL('docker-compose.yml', root).pathname,
  readEnvFile(new URL('.env.example', root).pathname),
);

/** The targets docker-compose.yml builds, each with whether its service checks health itself. */
const targets = Object.values(compose.services).flatMap((service) =>
  service.build?.target
    ? [{ target: service.build.target, composeHealthcheck: service.healthcheck !== undefined }]
    : [],
);

const check = (text: string, options = { targets: [{ target: 'app', composeHealthcheck: false }] }) =>
  checkDockerfile(parseDockerfile(text), options);

const GOOD = `ARG BASE=node:20.19.0-bookworm-slim
FROM \${BASE} AS build
RUN npm ci
FROM \${BASE} AS app
COPY --from=build /src/dist /app/dist
USER node
HEALTHCHECK CMD ["node", "healthcheck.mjs"]
`;

describe("Gridlink's Dockerfile", () => {
  it('builds every target docker-compose.yml names: cloud, gateway, node-red and simulators', () => {
    expect(targets.map((t) => t.target).sort()).toEqual(['cloud', 'gateway', 'node-red', 'simulators']);
  });

  it('keeps every rule: stages, pinned bases, a non-root user, no secret in ENV or ARG, a health check', () => {
    expect(checkDockerfile(parseDockerfile(dockerfile), { targets })).toEqual([]);
  });

  it('leaves node_modules, local state, secrets and .env out of the build context (.dockerignore)', () => {
    const ignored = readFileSync(new URL('.dockerignore', root), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.gridlink', 'secrets', '.env']));
  });
});

describe('the Dockerfile rules, as specifications', () => {
  it('accept a two-stage file with a pinned base, a user and a health check', () => {
    expect(check(GOOD)).toEqual([]);
  });

  it('refuse a single stage', () => {
    expect(check('FROM node:20.19.0 AS app\nUSER node\nHEALTHCHECK CMD true\n')).toEqual([
      'line 1: one stage only: build in one stage and copy the output into a runtime stage',
    ]);
  });

  it('refuse an unpinned base image, and latest', () => {
    const problems = check(
      GOOD.replace('node:20.19.0-bookworm-slim', 'node').replace(/FROM \S+ AS app/, 'FROM node:latest AS app'),
    );
    expect(problems).toEqual([
      'line 2: base image node is not pinned: name a version tag (node:20.19.0-bookworm-slim) or a digest',
      'line 4: base image node:latest is not pinned: name a version tag (node:20.19.0-bookworm-slim) or a digest',
    ]);
  });

  it('accept a base pinned by digest', () => {
    expect(check(GOOD.replace('node:20.19.0-bookworm-slim', `node@sha256:${'a'.repeat(64)}`))).toEqual([]);
  });

  it('refuse a target that runs as root, also when root comes last', () => {
    expect(check(GOOD.replace('USER node\n', ''))).toEqual([
      'line 4: target app runs as root (no USER): end it with USER and an unprivileged user',
    ]);
    expect(check(GOOD.replace('USER node\n', 'USER node\nUSER root\n'))).toEqual([
      'line 4: target app runs as root: end it with USER and an unprivileged user',
    ]);
  });

  it('take the user from the stage a target is built on', () => {
    const text = `${GOOD}FROM app AS app2\nCOPY x /x\n`;
    expect(check(text, { targets: [{ target: 'app2', composeHealthcheck: false }] })).toEqual([]);
  });

  it('refuse a secret in ENV or ARG', () => {
    expect(check(GOOD.replace('RUN npm ci', 'ARG NPM_TOKEN\nENV DB_PASSWORD=x'))).toEqual([
      'line 3: ARG NPM_TOKEN puts a secret in the image: pass it at run time as a file (GRIDLINK_*_FILE)',
      'line 4: ENV DB_PASSWORD puts a secret in the image: pass it at run time as a file (GRIDLINK_*_FILE)',
    ]);
  });

  it('refuse a target without a health check unless its compose service has one', () => {
    const none = GOOD.replace(/HEALTHCHECK.*\n/, 'HEALTHCHECK NONE\n');
    expect(check(none)).toEqual([
      'line 4: target app has no HEALTHCHECK, and its compose service none: add one (GET /readyz where there is one)',
    ]);
    expect(check(none, { targets: [{ target: 'app', composeHealthcheck: true }] })).toEqual([]);
  });

  it('refuse ADD from a URL', () => {
    expect(check(GOOD.replace('RUN npm ci', 'ADD https://example.com/x.tgz /x.tgz'))).toEqual([
      'line 3: ADD from a URL: download in a RUN step that checks a checksum',
    ]);
  });

  it('join continuation lines and skip comments inside them', () => {
    const text = GOOD.replace('RUN npm ci', 'RUN apt-get update \\\n# why\n && apt-get install -y x');
    const build = parseDockerfile(text).stages[0];
    expect(build?.instructions).toEqual([{ keyword: 'RUN', args: 'apt-get update && apt-get install -y x', line: 3 }]);
  });

  it('name a target the file lacks', () => {
    expect(check(GOOD, { targets: [{ target: 'cloud', composeHealthcheck: true }] })).toEqual([
      'no stage named cloud: docker-compose.yml builds it',
    ]);
  });
});
