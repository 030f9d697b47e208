"""The JupyterHub recipe's configuration, loaded as JupyterHub loads it.

(``tests/e2e/test_hub.py`` runs a hub from it.)
"""

import runpy
from pathlib import Path

import pytest
from traitlets.config import Config

CONFIG = Path(__file__).parents[2] / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def _hub_settings(monkeypatch, url=None, bind=None, internal=None):
    names = ("RESISTLAB_HUB_URL", "RESISTLAB_HUB_BIND_URL", "RESISTLAB_HUB_INTERNAL_PORTS")
    for name, value in zip(names, (url, bind, internal), strict=True):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    for name in ("RESISTLAB_HUB_INSTRUCTORS", "RESISTLAB_HUB_ROSTER"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: config})
    return config


def test_each_users_server_is_served_from_a_subdomain_of_the_hubs_address(monkeypatch):
    hub = _hub_settings(monkeypatch).JupyterHub
    assert (hub.subdomain_host, hub.bind_url) == ("http://localhost", "http://127.0.0.1:80")
    hub = _hub_settings(monkeypatch, "https://hub.example.edu/").JupyterHub
    assert (hub.subdomain_host, hub.bind_url) == ("https://hub.example.edu", "http://127.0.0.1:80")
    hub = _hub_settings(monkeypatch, "http://localhost:812", "https://0.0.0.0:443").JupyterHub
    assert (hub.subdomain_host, hub.bind_url) == ("http://localhost:812", "https://0.0.0.0:443")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1",  # an IP address has no subdomains
        "http://[::1]",
        "localhost:80",  # no scheme
        "ftp://hub.example.edu",
        "https://hub.example.edu/jupyter",  # a path: the servers are at USER.NAME
        "https://",
    ],
)
def test_an_address_whose_subdomains_cannot_serve_users_stops_the_hub(monkeypatch, url):
    with pytest.raises(ValueError, match=r"RESISTLAB_HUB_URL=.*expected the hub's address"):
        _hub_settings(monkeypatch, url)


def test_the_hubs_own_ports_are_ports_only_root_may_listen_on(monkeypatch):
    config = _hub_settings(monkeypatch, internal="802,882")
    assert config.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:802"
    assert config.JupyterHub.hub_port == 882
    assert config.JupyterHub.spawner_class == "resistlab.course.spawner.OwnPortSpawner"
    with pytest.raises(ValueError, match=r"the hub's address .*: port 8000 .*below 1024"):
        _hub_settings(monkeypatch, "http://localhost:8000")
    with pytest.raises(ValueError, match=r"the hub's address .*: port 8080"):
        _hub_settings(monkeypatch, bind="http://127.0.0.1:8080")
    with pytest.raises(ValueError, match=r"proxy's API .*: port 8001; the hub .*: port 8081"):
        _hub_settings(monkeypatch, internal="8001,8081")
    for wrong in ("801", "801,881,882", "api,hub"):
        with pytest.raises(ValueError, match=r"INTERNAL_PORTS=.*expected two port numbers"):
            _hub_settings(monkeypatch, internal=wrong)
