# The gateway as a container image. Build: docker build -t agency-gateway .
# The machines this project is built on have no container engine: `npm run image:check` (in CI)
# carries out these instructions without one and runs the CMD and HEALTHCHECK (scripts/image-check.mjs);
# keep to the instructions it knows.
#
# One image for every instance: stateless, configured by the environment (DATABASE_URL,
# DATABASE_REPLICA_URLS, REDIS_URL, ... see .env.example); it migrates on start under an advisory lock,
# so several instances may start at once.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts codegen.ts schema.graphql tsconfig.json ./
COPY src/operations ./src/operations
# patches/: patch-package applies them in npm ci's postinstall (docs/development.md, "Patches").
COPY patches ./patches
# npm ci runs prisma generate and GraphQL Code Generator (the client and the trusted documents).
RUN npm ci
COPY src ./src
# src/ compiled to dist/ (scripts/build.mjs, esbuild): the image runs JavaScript, no TypeScript loader.
RUN node scripts/build.mjs
# Development dependencies were needed to generate and compile (and bring the pinned Node that npm
# scripts use on machines with an older system Node); the image runs on its own Node 24.
RUN npm prune --omit=dev

FROM node:24-bookworm-slim
# NODE_COMPILE_CACHE: V8's compiled code kept across starts (about a third of the start-up's CPU).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 SEED_DEMO=false LOG_FORMAT=json NODE_COMPILE_CACHE=/tmp/node-compile-cache
WORKDIR /app
COPY --from=build --chown=node:node /app ./
USER node
EXPOSE 4000
# /health: the process is up; /ready: the database answers and the migrations are applied.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main/server.js"]
