# One image for every Python program of open-bank (synchronizer, command handler, backend,
# heartbeat, command generator) and for `python -m stack compose-init`; compose.yaml picks
# the program with `command`.
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

USER app
ENTRYPOINT ["/app/stack/docker/service-entrypoint.sh"]
CMD ["python", "-m", "backend"]
