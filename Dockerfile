# One image for every Python program of open-bank (synchronizer, command handler, backend,
# heartbeat, command generator) and for `python -m stack compose-init`; compose.yaml picks
# the program with `command`.

# GraphiQL's browser assets (backend/ide), exactly as its package-lock.json pins them; the
# Python image has no npm. The hash file is what backend/ide/build.sh --if-changed checks,
# so the backend does not try to install them again at start.
FROM node:20-bookworm-slim AS graphiql
WORKDIR /ide
COPY backend/ide/package.json backend/ide/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
    && sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1 > .build-hash

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

# uid 1000 like the apache/kafka image's user, so both read the shared certificates.
RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY topology topology
COPY synchronizer synchronizer
COPY command_handler command_handler
COPY backend backend
COPY load load
COPY bench bench
COPY stack stack
COPY nginx nginx
RUN pip install --no-cache-dir .
COPY --from=graphiql /ide/node_modules backend/ide/node_modules
COPY --from=graphiql /ide/.build-hash backend/ide/.build-hash
# build.sh takes a lock file in its folder at every backend start.
RUN chown app backend/ide

USER app
ENTRYPOINT ["/app/stack/docker/service-entrypoint.sh"]
CMD ["python", "-m", "backend"]
