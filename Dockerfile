# Self-hosting image: the same app as Streamlit Community Cloud, served on port 8501.
#   docker build -t conflict-map . && docker run --rm -p 8501:8501 conflict-map
# then open http://localhost:8501 (tests/test_hardening_dockerfile.py runs these steps locally).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONFLICT_MAP_CACHE=/app/.cache/conflict-map \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build time, as root: copy Leaflet/jQuery into static/vendor/ (served at /app/static/vendor/, so
# the map needs no CDN) and build the gazetteer index into $CONFLICT_MAP_CACHE. Then make
# everything readable, not writable, by the user the app runs as: a visitor can change nothing.
RUN python -m pages.ui.assets \
 && python -m geodata build-index \
 && chmod -R a+rX /app \
 && useradd --create-home --uid 10001 appuser
USER appuser

EXPOSE 8501
# Healthy = the server answers AND every dataset it serves can be read (python -m events health
# prints which file fails; `docker inspect` shows that output). Streamlit's own /_stcore/health
# only says the server is up.
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
  CMD ["python", "-m", "events", "health", "--url", "http://127.0.0.1:8501/_stcore/health"]
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", "--browser.gatherUsageStats=false"]
