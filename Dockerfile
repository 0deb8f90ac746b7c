# syntax=docker/dockerfile:1

# ---- build: compile TypeScript, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app

# argon2's prebuilt linux-x64 binary crashes on load under Node 20 here, so it is compiled from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# Copy the manifests first so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
# allowScripts in package.json permits only argon2's install script, but the npm 10 bundled with
# node:20 does not read allowScripts: skip every script, then run argon2's build explicitly.
RUN npm ci --ignore-scripts \
 && npm rebuild argon2

COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime ----
FROM node:20-bookworm-slim AS runtime
WORKDIR /app

# A numeric uid lets Kubernetes verify runAsNonRoot without a runAsUser override.
RUN groupadd --system --gid 10001 hotswap \
 && useradd --system --uid 10001 --gid hotswap --no-create-home --shell /usr/sbin/nologin hotswap \
 && mkdir -p /var/lib/hotswap \
 && chown hotswap:hotswap /var/lib/hotswap

# Application files stay owned by root: the process can read its code but not rewrite it.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json

ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/var/lib/hotswap

USER 10001:10001
EXPOSE 3000

# Slim images have no curl; Node 20 has a global fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "dist/apps/api/src/main.js"]
