# Clusterflow's image: gunicorn serving config.wsgi; the same image runs the Celery worker
# and beat (see docker-compose.yml). Production settings: DJANGO_DEBUG=false.
FROM python:3.11-slim-bookworm

# The project is not an installed package (pyproject's packages = []): it runs from /app.
# gunicorn reads WEB_CONCURRENCY and GUNICORN_CMD_ARGS: 3 processes of 4 threads each; and the
# worker's hooks from /app/gunicorn.conf.py (its working directory): the URLconf loaded and frozen
# at start, each request's young cyclic garbage collected after it (docs/adr/0063).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CELERY_BEAT_SCHEDULE_FILENAME=/data/beat/celerybeat-schedule \
    WEB_CONCURRENCY=3 \
    OPENBLAS_NUM_THREADS=1 \
    GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --worker-class gthread --threads 4 --access-logfile - --timeout 60"

# gettext's msgfmt compiles the French catalogue below; manage.py backup and restore run
# PostgreSQL's pg_dump and pg_restore (Debian 12's client is PostgreSQL 15, as the server);
# WeasyPrint lays the PDFs out with Pango and the DejaVu fonts (records/pdf.py).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext postgresql-client \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files and translations at build time, with production settings. The secret key,
# database and broker directory below exist only for this step; the running container
# must be given its own DJANGO_SECRET_KEY.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-key-never-used-to-serve \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    CELERY_FILESYSTEM_BROKER_DIR=/tmp/broker \
    sh -c 'python manage.py collectstatic --no-input --verbosity 0 \
        && if [ -d locale ]; then python manage.py compilemessages --verbosity 0; fi' \
    && rm -rf /tmp/build.sqlite3 /tmp/broker

# A user without a login that owns only what it writes: uploads, the beat schedule, and
# var/ for the embedded SQLite default when no DATABASE_URL is given.
RUN groupadd --system --gid 10001 clusterflow \
    && useradd --system --uid 10001 --gid clusterflow --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin clusterflow \
    && mkdir -p /data/media /data/beat /app/var \
    && chown -R clusterflow:clusterflow /data /app/var
USER clusterflow

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application"]
