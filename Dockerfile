# The icn-node image. BASE_IMAGE is an official Node image on GitHub runners; on machines without a
# registry, `npm run containers:setup` builds localhost/icn-base:node20 and the backend passes it.
# Build context: the repository after `npm ci && npm run build` (dist/ and node_modules/ present).
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
