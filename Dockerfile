# Production image. Stage one builds the wheels of Bangban and every dependency; stage two installs them
# into a slim image that has no build tools and runs as an unprivileged user. One stateless API process
# group per container; the worker runs from the same image with `bangban worker` (see compose.yaml and
# docs/OPERATIONS.md).
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BANGBAN_ENV=production BANGBAN_MEDIA_DIR=/srv/bangban/media
# The signboards (bangban export board, /notice/…/board.pdf) are drawn in Noto Sans CJK.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /srv/bangban --shell /usr/sbin/nologin bangban
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels bangban && rm -rf /wheels

WORKDIR /srv/bangban
# `bangban db upgrade` reads alembic.ini and the migrations from the working directory.
COPY alembic.ini ./
COPY migrations ./migrations
COPY wechat_menus ./wechat_menus
RUN mkdir -p var media && chown bangban:bangban var media
USER bangban:bangban
# Photos of materials: mount one shared volume here for every API process and the worker.
VOLUME ["/srv/bangban/media"]

EXPOSE 8000
# /healthz answers while the process serves, without touching the database (/readyz does that).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "bangban db upgrade && exec bangban serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2}"]
