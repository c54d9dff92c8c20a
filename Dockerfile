# One image for the worker, the simulator and the codec server (the command picks which).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
# Runs as the unprivileged `node` user; .data holds the PGlite audit store and the codec key when
# they are not provided from outside.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
CMD ["npm", "run", "worker"]
