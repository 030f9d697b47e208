"""The JupyterHub recipe's configuration, loaded as JupyterHub loads it.

(``tests/e2e/test_hub.py`` runs a hub from it.)
"""

import runpy
from pathlib import Path

import pytest
from traitlets.config import Config

CONFIG = Path(__file__).parents[2] / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def _hub_settings(monkeypatch, url=None, bind=None):
    for name, value in (("RESISTLAB_HUB_URL", url), ("RESISTLAB_HUB_BIND_URL", bind)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    for name in ("RESISTLAB_HUB_INSTRUCTORS", "RESISTLAB_HUB_ROSTER"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: config})
    return config.JupyterHub


def test_each_users_server_is_served_from_a_subdomain_of_the_hubs_address(monkeypatch):
    hub = _hub_settings(monkeypatch)
    assert (hub.subdomain_host, hub.bind_url) == ("http://localhost:8000", "http://127.0.0.1:8000")
    hub = _hub_settings(monkeypatch, "https://hub.example.edu/")
    assert (hub.subdomain_host, hub.bind_url) == (
        "https://hub.example.edu",
        "http://127.0.0.1:8000",
    )
    hub = _hub_settings(monkeypatch, "http://localhost:8123", "https://0.0.0.0:443")
    assert (hub.subdomain_host, hub.bind_url) == ("http://localhost:8123", "https://0.0.0.0:443")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",  # an IP address has no subdomains
        "http://[::1]:8000",
        "localhost:8000",  # no scheme
        "ftp://hub.example.edu",
        "https://hub.example.edu/jupyter",  # a path: the servers are at USER.NAME
        "https://",
    ],
)
def test_an_address_whose_subdomains_cannot_serve_users_stops_the_hub(monkeypatch, url):
    with pytest.raises(ValueError, match=r"RESISTLAB_HUB_URL=.*expected the hub's address"):
        _hub_settings(monkeypatch, url)
