# syntax=docker/dockerfile:1
# Koers: one image for web (gunicorn, the default CMD), worker, beat and migrate.
# docker-compose.yml shows how the services use it. Build: docker build -t koers .

# --- build: the runtime lock in a virtualenv, compiled translations, collected static files ---
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH="/opt/venv/bin:$PATH"

# gettext only here: compilemessages needs msgfmt, the runtime image does not.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Only the runtime lock, no development tools; in its own layer for the cache.
COPY requirements/base.txt requirements/base.txt
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir -r requirements/base.txt

# The application, directory by directory: no .venv, var/, .git or tests in the image.
COPY manage.py ./
COPY config/ config/
COPY api/ api/
COPY register/ register/
COPY templates/ templates/
COPY static/ static/
COPY locale/ locale/

# The settings refuse to import without their environment (DEBUG off), so both commands get
# dummy values on this RUN line only; none of them ends up in the image.
RUN DEBUG=0 \
    SECRET_KEY=build-only-dummy-secret-key-never-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=build \
    SITE_URL=https://build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    CELERY_BROKER_URL=memory:// \
    CACHE_URL=locmemcache:// \
    EMAIL_URL=consolemail:// \
    sh -c 'python manage.py compilemessages && python manage.py collectstatic --noinput' \
    && rm -f /tmp/build.sqlite3

# --- runtime: the virtualenv and the prepared application, as a non-root user ---
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH"

RUN groupadd --system --gid 10001 koers \
    && useradd --system --uid 10001 --gid koers --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin koers

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# Numeric, so Kubernetes' runAsNonRoot can verify it. The code stays root-owned (read-only).
USER 10001:10001

EXPOSE 8000

# Readiness through gunicorn (process and database). /readyz is exempt from the SSL redirect, but not from
# ALLOWED_HOSTS: the probe sends the first allowed host as its Host header. No curl in slim.
# Worker, beat and migrate override or disable this (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; host = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.').replace('*', 'localhost'); u.build_opener(u.ProxyHandler({})).open(u.Request('http://127.0.0.1:8000/readyz', headers={'Host': host}), timeout=4)"]

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
