# syntax=docker/dockerfile:1
# Gridlink's images, one target per app, all built from this file and the repository root:
#   cloud      the district cloud (gridlink-cloud start)
#   gateway    the community gateway (gridlink-gateway start)
#   simulators simulated devices (gridlink-sim), for the demo profile
#   node-red   Node-RED 4.1 with the Gridlink palette (flows/, built with esbuild)
# Every stage starts from a pinned base image; the runtime images hold the compiled output and the
# production node_modules only, run as the unprivileged `node` user, and carry no secret: secrets
# arrive at run time as files (compose `secrets:`, read through GRIDLINK_*_FILE).

ARG NODE_IMAGE=node:20.19.0-bookworm-slim
ARG NODE_RED_IMAGE=nodered/node-red:4.1.0-22

# --- every dependency, and the compiled workspaces --------------------------------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native module when no prebuilt binary fits this platform (ARM boxes).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY testkit/package.json testkit/
COPY gateway/package.json gateway/
COPY cloud/package.json cloud/
COPY simulators/package.json simulators/
COPY flows/package.json flows/
COPY scripts/package.json scripts/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# The web pages, built here once rather than by each container at its first start; a page cache
# is keyed by the sources, the lockfile and the build code, which the runtime images copy as they are.
RUN GRIDLINK_WEB_CACHE=/src/web-cache/cloud \
    node --input-type=module -e "await (await import('/src/cloud/dist/web/bundle.js')).webAssets()" \
 && GRIDLINK_CONSOLE_CACHE=/src/web-cache/gateway \
    node --input-type=module -e "await (await import('/src/gateway/dist/console/web-bundle.js')).consoleAssets()"

# --- production dependencies only ---------------------------------------------------------------------
FROM build AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund

# --- what every runtime image shares ----------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=root:root /src/node_modules ./node_modules
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/protocol/package.json protocol/
COPY --from=build /src/protocol/dist protocol/dist
COPY --from=build /src/protocol/json-schema protocol/json-schema
COPY deploy/healthcheck.mjs /usr/local/lib/gridlink/healthcheck.mjs
# State lives under /var/lib/gridlink (a volume); a fresh named volume takes this owner.
RUN mkdir -p /var/lib/gridlink && chown node:node /var/lib/gridlink

# --- the cloud ----------------------------------------------------------------------------------------
FROM runtime AS cloud
COPY --from=build /src/cloud/package.json cloud/
COPY --from=build /src/cloud/dist cloud/dist
COPY --from=build /src/cloud/migrations cloud/migrations
COPY --from=build /src/cloud/web cloud/web
COPY --from=build /src/cloud/cloud.example.yaml cloud/
COPY --from=build /src/web-cache/cloud /app/web-cache
ENV GRIDLINK_WEB_CACHE=/app/web-cache
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/usr/local/lib/gridlink/healthcheck.mjs", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["node", "/app/cloud/dist/cli/bin.js"]
CMD ["start", "--config", "/etc/gridlink/cloud.yaml"]

# --- the gateway --------------------------------------------------------------------------------------
FROM runtime AS gateway
COPY --from=build /src/gateway/package.json gateway/
COPY --from=build /src/gateway/dist gateway/dist
COPY --from=build /src/gateway/web gateway/web
COPY --from=build /src/gateway/src/config/gateway.example.yaml gateway/
COPY --from=build /src/web-cache/gateway /app/web-cache
ENV GRIDLINK_CONSOLE_CACHE=/app/web-cache
USER node
EXPOSE 1883 8883 9180
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/usr/local/lib/gridlink/healthcheck.mjs", "http://127.0.0.1:9180/readyz"]
ENTRYPOINT ["node", "/app/gateway/dist/cli/bin.js"]
CMD ["start", "--config", "/etc/gridlink/gateway.yaml"]

# --- the simulators (demo) ------------------------------------------------------------------------------
FROM runtime AS simulators
COPY --from=build /src/gateway/package.json gateway/
COPY --from=build /src/gateway/dist gateway/dist
COPY --from=build /src/simulators/package.json simulators/
COPY --from=build /src/simulators/dist simulators/dist
USER node
# A one-off player or the simulated cameras: each compose service's healthcheck says what to watch.
HEALTHCHECK NONE
ENTRYPOINT ["node", "/app/simulators/dist/cli/bin.js"]
CMD ["list"]

# --- the Gridlink nodes for Node-RED ------------------------------------------------------------------
# flows/ is a Node-RED 4.1 palette package bundled by esbuild into flows/dist (`npm run build -w flows`).
FROM build AS flows-build
RUN npm run build -w flows && cd flows && npm pack --pack-destination /tmp

FROM ${NODE_RED_IMAGE} AS node-red
USER root
COPY --from=flows-build /tmp/gridlink-flows-*.tgz /tmp/
# Installed beside Node-RED itself, not in /data: the user's volume keeps flows, not our code.
RUN cd /usr/src/node-red && npm install --omit=dev --no-audit --no-fund /tmp/gridlink-flows-*.tgz \
 && rm /tmp/gridlink-flows-*.tgz
USER node-red
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:1880/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
