# syntax=docker/dockerfile:1
# One image for the Courier server and its workers (docker-compose.yml runs it as both).
# It runs the compiled JavaScript of `npm run build` (each package's dist/, the same sources
# `npm start` runs through tsx on a developer machine). Measured on the queue benchmark, the tsx
# loader cost a worker ~8 µs of CPU per job (it names every closure at run time) and ~40 MiB of
# RSS; production does not need it.

ARG NODE_IMAGE=node:20-bookworm-slim

# Only the manifests decide the dependency layer: editing a source file doesn't re-run `npm ci`.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package.json package-lock.json /manifests/ \
 && find apps libs test -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \;

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
# Install scripts stay off, as on the development machines (esbuild ships its binary as a package).
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM deps AS build
COPY . .
RUN NX_DAEMON=false NX_NO_CLOUD=true npm run build -- --outputStyle=static

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    COURIER_RESULTS_DIR=/data/results \
    COURIER_DOWNLOAD_ROOT=/data/downloads
COPY --from=build /app ./
# Results and downloads go to /data, a volume shared by the server and every worker.
RUN mkdir -p /data/results /data/downloads && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/cli/dist/main.js"]
CMD ["serve"]
