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
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() == b'ok' else 1)"]
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", "--browser.gatherUsageStats=false"]
