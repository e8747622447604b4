# The Flotilla worker image (used by docker-compose.yml). The server runs in its own container,
# so the temporal CLI download in postinstall is skipped here (TEMPORAL_CLI_PATH points at a stub that is never run).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY dev/ensure-temporal.js dev/ensure-temporal.js
RUN printf '#!/bin/sh\necho "temporal stub"\n' > /usr/local/bin/temporal-stub && chmod +x /usr/local/bin/temporal-stub
ENV TEMPORAL_CLI_PATH=/usr/local/bin/temporal-stub
COPY . .
RUN npm install --no-audit --no-fund
CMD ["node", "bin/flotilla.js", "worker"]
