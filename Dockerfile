# syntax=docker/dockerfile:1
# Build stage: install the package and compile the gettext catalogs.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY services services
COPY db db
COPY demo demo
COPY locales locales
RUN pip install --prefix=/install . \
 && pip install "babel>=2.18" \
 && pybabel compile -d locales

# Runtime stage: no compilers, no sources beyond the installed package, a non-root user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 loyalty \
 && mkdir -p /app/data && chown loyalty:loyalty /app/data
COPY --from=build /install /usr/local
COPY --from=build /src/locales /app/locales
COPY deploy/healthcheck.py /app/healthcheck.py
WORKDIR /app
ENV PYTHONUNBUFFERED=1 \
    LOCALES_DIR=/app/locales \
    DATABASE_URL=sqlite+aiosqlite:////app/data/loyalty.sqlite3
USER loyalty
VOLUME ["/app/data"]
# `loyalty-bot web` listens on WEB_PORT, `loyalty-bot worker` answers /healthz and /metrics on
# WORKER_PORT; `loyalty-bot run` (polling, the default) needs no port.
EXPOSE 8080 8081
# GET /healthz of whichever of them the container runs (deploy/healthcheck.py); importing
# aiogram takes seconds, hence the start period.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]
CMD ["loyalty-bot", "run"]
