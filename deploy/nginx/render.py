"""Fill the placeholders of conflict-map.conf.template, as the nginx image's envsubst does (only the
named ${...} variables; nginx's own $variables are left alone). Used by the two-replica test and
for running the proxy outside Docker:

    python deploy/nginx/render.py 127.0.0.1:8080 /var/log/nginx/cm.log 127.0.0.1:8501 127.0.0.1:8502
"""
from __future__ import annotations

import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("conflict-map.conf.template")


def render(listen: str, upstreams: list[str], access_log: str) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    values = {"NGINX_LISTEN": listen, "NGINX_ACCESS_LOG": access_log,
              "NGINX_UPSTREAM_SERVERS": " ".join(f"server {u};" for u in upstreams)}
    for k, v in values.items():
        text = text.replace("${" + k + "}", v)
    return text


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.stdout.write(render(sys.argv[1], sys.argv[3:], sys.argv[2]))
