# One image for the worker (the default command), the DBCS simulator and the codec server:
#   docker run IMAGE                                      the worker
#   docker run IMAGE node dist/src/simulator/main.js      the simulator
#   docker run IMAGE node dist/src/worker/codec-server.js the codec server
#   docker run IMAGE node dist/src/starter/cli.js …       the dbaas CLI
# It runs compiled JavaScript and a workflow bundle built here, so a worker starts without tsx and
# without webpack (BENCHMARKS.md, scenario 8: start to polling). NODE_VERSION=24 builds on Node 24.
ARG NODE_VERSION=22

# Build: every dependency (TypeScript, tsx, the bundler), then `npm run build` → dist/.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-dist.ts ./scripts/
COPY src ./src
RUN npm run build

# Runtime: production dependencies and dist/ only. No install scripts run: nothing at runtime compiles
# or bundles (they only prepare @swc/core and esbuild, the bundler's and tsx's).
FROM node:${NODE_VERSION}-bookworm-slim
# tini is PID 1: it forwards SIGTERM to node (which as PID 1 would ignore it in the processes that set
# no handler, e.g. the codec server) and reaps children (the audit store's initdb runs in one).
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# .data holds the embedded audit store (PGlite) and the payload key when they are not provided from
# outside; a named volume mounted here takes this owner on first use.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
# The worker loads this bundle instead of bundling src/workflows at start.
ENV DBAAS_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
ENTRYPOINT ["/usr/bin/tini", "--"]
# node itself, not npm: signals reach the worker, which drains on SIGTERM (stop_grace_period in compose).
CMD ["node", "dist/src/worker/main.js"]
