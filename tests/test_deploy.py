"""compose.yaml and the nginx template agree: every app replica is an upstream of the proxy, mounts
the imported data read-only and runs the data-aware health check; every placeholder is filled.
(Running them: tests/browser/test_replicas.py with Debian's nginx and two `streamlit run`.)"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_every_replica_is_behind_the_proxy_with_read_only_data():
    services = compose()["services"]
    apps = {k: v for k, v in services.items() if k != "proxy"}
    assert len(apps) >= 2
    proxy = services["proxy"]
    servers = re.findall(r"server ([\w.-]+):(\d+);", proxy["environment"]["NGINX_UPSTREAM_SERVERS"])
    assert sorted(h for h, _ in servers) == sorted(apps)
    for name, svc in apps.items():
        assert svc["build"] == "." and svc["image"] == "conflict-map"
        data = svc["environment"]["CONFLICT_MAP_DATA"]
        mounts = [m for m in svc["volumes"] if m.split(":")[1] == data]
        assert mounts and all(m.endswith(":ro") for m in mounts), (name, svc["volumes"])
        assert svc["healthcheck"]["test"][1:4] == ["python", "-m", "events"] and "health" in svc["healthcheck"]["test"]


def test_the_template_placeholders_are_all_given():
    text = (ROOT / "deploy" / "nginx" / "conflict-map.conf.template").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    wanted = set(re.findall(r"\$\{(\w+)\}", body))
    env = compose()["services"]["proxy"]["environment"]
    assert wanted == {"NGINX_LISTEN", "NGINX_UPSTREAM_SERVERS", "NGINX_ACCESS_LOG"} and wanted <= set(env)
    # Websockets and affinity: the upgrade headers are passed and the upstream hashes the browser's key.
    assert "proxy_set_header Upgrade $http_upgrade;" in body and "hash $cm_route consistent;" in body
