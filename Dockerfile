# Production image: one stateless API process per container; run the worker from the same image
# with `bangban worker`. Migrations run before the server starts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BANGBAN_ENV=production \
    BANGBAN_MEDIA_DIR=/srv/bangban/media
WORKDIR /srv/bangban

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY wechat_menus ./wechat_menus
# The signboards (bangban export board, /notice/…/board.pdf) are drawn in Noto Sans CJK.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir . && useradd --system --home /srv/bangban bangban \
    && mkdir -p /srv/bangban/var /srv/bangban/media && chown bangban /srv/bangban/var /srv/bangban/media
USER bangban
# Photos of materials: mount one shared volume here for every API process.
VOLUME ["/srv/bangban/media"]

EXPOSE 8000
CMD ["sh", "-c", "bangban db upgrade && exec bangban serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2}"]
