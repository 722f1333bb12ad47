# syntax=docker/dockerfile:1
# SIP Ops: Slack chat-ops bot for self-hosted LiveKit telephony behind Sinch Elastic SIP Trunking.
#   docker build -t sip-ops .
#   docker run --env-file .env -p 3000:3000 -v sip-ops-data:/app/data sip-ops

# ---- build: compile TypeScript, bundle the ECharts parts used, build the better-sqlite3 native module ----
FROM node:24-bookworm-slim AS build
# Toolchain for node-gyp, used when better-sqlite3 has no prebuilt binary for this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# All dependencies: the build needs the dev ones (typescript, esbuild); they are pruned after it.
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-echarts.mjs ./scripts/build-echarts.mjs
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime: production dependencies and compiled code only, non-root ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the app; only the data directory is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
ENV DATABASE_URL=sqlite:/app/data/sip-ops.db \
    PORT=3000
EXPOSE 3000
USER node
# GET /healthz answers 200 while the process is up (no curl in the slim image, so use node).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, so SIGTERM reaches Node and the service drains in-flight work before exiting.
CMD ["node", "dist/src/main.js"]
