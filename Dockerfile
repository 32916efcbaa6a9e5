# The icn-node image. BASE_IMAGE is an official Node image on GitHub runners; on machines without a
# registry, `npm run containers:setup` builds localhost/icn-base:node20 and the backend passes it
# (ICN_BASE_IMAGE). Build context: the repository after `npm ci && npm run build` (dist/ and
# node_modules/ present), or the context the containers backend stages in .cache/containers/context
# (the same layout: the daemon compiled from the sources, production node_modules only).
# The image has no shell: the daemon is the entry point and logs `listening …` when it is ready.
# Configuration by ICN_NODE_* environment variables (icn-node --help lists them).
ARG BASE_IMAGE=node:20.20.2-bookworm-slim
FROM ${BASE_IMAGE}
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY dist ./dist
COPY bin ./bin
COPY contracts ./contracts
ENV NODE_ENV=production
EXPOSE 7070 7071
ENTRYPOINT ["node", "bin/icn-node.js"]
