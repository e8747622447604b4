# The Flotilla worker image (docker-compose.yml's `worker` service). The Temporal server runs elsewhere
# (its own container, or Temporal Cloud), so the image holds no temporal CLI.
#   docker build -t flotilla-worker .
ARG NODE_IMAGE=node:24-bookworm-slim

# Build: all dependencies (TypeScript included) and the compiled dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first: a change to the sources does not reinstall the dependencies.
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall fetches the temporal CLI (not needed here) and `prepare` compiles
# before the sources are copied. The native parts (Temporal core bridge, swc, esbuild) come as prebuilt packages.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY planner planner
COPY activities activities
COPY workflows workflows
COPY worker worker
COPY client client
COPY dev dev
COPY bench bench
RUN npx tsc -p tsconfig.json

# Run: production dependencies, the compiled code, git, bubblewrap (the sandbox of every repository command,
# SECURITY.md); a non-root user.
FROM ${NODE_IMAGE} AS run
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
  && rm -rf /var/lib/apt/lists/*
# Repositories are bind-mounted and owned by a host user: let git work in them (git 2.39 has no path
# prefix match for safe.directory, so this is '*'; only mounted repositories and worktrees are here).
RUN git config --system --add safe.directory '*'
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin bin
COPY dev/ensure-temporal.js dev/ensure-temporal.js
COPY --from=build /app/dist dist
# Worktrees live in a volume shared by all workers (compose mounts it here); the node user (uid 1000) owns it.
RUN mkdir -p /worktrees /repos && chown node:node /worktrees
ENV FLOTILLA_WORKTREES=/worktrees
USER node
CMD ["node", "bin/flotilla.js", "worker"]
