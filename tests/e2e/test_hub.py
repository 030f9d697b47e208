"""The JupyterHub recipe of deploy/jupyterhub, run as a class would run it.

A real JupyterHub (LocalProcessSpawner, configurable-http-proxy, a shared-password test
authenticator) at ``localhost``, each user's server on a subdomain of its own, serves an
instructor and two students, each a Linux user created for the test. Every user logs in through
the hub's login page in headless Chromium. The instructor releases ``01-dose-response`` with
nbgrader's commands run as that user; the students fetch it, answer an exercise and submit from
the Assignment List; the instructor collects, autogrades, generates and releases feedback
(nbgrader's commands behind Formgrader's buttons); the students fetch their feedback in the
Assignment List and open it. One student submits after the due date and loses the score to the
course's late-submission policy.

Needs root (useradd, a hub that spawns servers as other users), ``/usr/bin/chromium``,
``configurable-http-proxy``, playwright in this environment, and the hub's own environment
(``deploy/jupyterhub/install-hub-env.sh``, readable by every user) named by
``RESISTLAB_HUB_ENV``: ``make e2e-hub`` installs all of it and runs this file. Without
``RESISTLAB_E2E=1`` (set by that target) the module is skipped, so ``make test`` does not
start a hub.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "jupyterhub"
ASSIGNMENT = "01-dose-response"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HUB_ENV = Path(os.environ.get("RESISTLAB_HUB_ENV", "/opt/resistlab/env"))
ENV_BIN = str(HUB_ENV / "bin")
UI_TIMEOUT_MS = 60_000
SPAWN_TIMEOUT_MS = 150_000
COMMAND_TIMEOUT_S = 300

# A correct Hill function written differently from the solution (dose scaled by the EC50).
ANSWER = '''def hill(dose, e0, emax, ec50, h):
    """Hill curve, with the dose in units of the EC50."""
    scaled = (np.asarray(dose, dtype=float) / ec50) ** h
    return e0 + (emax - e0) * scaled / (1.0 + scaled)
'''
ANSWER_POINTS = 3.0  # test_hill_function_values (2) + test_hill_function_arrays (1)


def _why_not_runnable() -> str | None:
    if not os.environ.get("RESISTLAB_E2E"):
        return "JupyterHub round trip: run it with `make e2e-hub` (sets RESISTLAB_E2E)"
    if sys.platform != "linux" or os.geteuid() != 0:
        return "JupyterHub round trip needs root on Linux (it creates users and spawns as them)"
    missing = [
        name
        for name, ok in (
            ("chromium", os.access(CHROMIUM, os.X_OK)),
            ("configurable-http-proxy", shutil.which("configurable-http-proxy")),
            ("useradd", shutil.which("useradd")),
            (f"{HUB_ENV}/bin/jupyterhub", shutil.which("jupyterhub", path=ENV_BIN)),
        )
        if not ok
    ]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        reason = f"JupyterHub round trip: missing {', '.join(missing)} (run `make e2e-hub`)"
        if os.environ.get("RESISTLAB_E2E") in ("1", "require"):
            pytest.fail(reason, pytrace=False)
        return reason
    return None


_REASON = _why_not_runnable()
if _REASON:
    pytest.skip(_REASON, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

expect.set_options(timeout=UI_TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_root_ports(n: int) -> list[int]:
    """``n`` free ports below 1024 (the recipe's hub refuses others), from 700-988, which
    Chromium opens (it refuses some well-known ports, such as 989-995)."""
    ports = []
    for port in range(700, 989):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == n:
            return ports
    raise AssertionError(f"fewer than {n} free ports in 700-988")


class Hub:
    """A running hub, its users and folders, and helpers to act as each user."""

    def __init__(self, base: Path):
        self.base = base
        tag = secrets.token_hex(3)
        self.instructor = f"rlhi{tag}"
        self.students = [f"rlhs{tag}a", f"rlhs{tag}b"]
        self.password = secrets.token_urlsafe(18)
        self.exchange = base / "exchange"
        self.roster = base / "roster.csv"
        self.hubdir = base / "hub"
        self.deploy = base / "deploy"  # a world-readable copy, as on a real hub
        self.log = self.hubdir / "jupyterhub.log"
        self.port, *self.internal_ports = _free_root_ports(3)
        self.pin = base / "pinned-port"  # "USER PORT": that user's next server's port
        # the hub's address; each user's server is at USER.localhost (Chromium resolves
        # every name under localhost to the loopback address)
        self.url = f"http://localhost:{self.port}"
        self.users_made: list[str] = []
        self.proc: subprocess.Popen | None = None
        self.feedback_html: dict[str, str] = {}

    # -- users -------------------------------------------------------------------------
    def home(self, user: str) -> Path:
        return self.base / "home" / user

    @property
    def course(self) -> Path:
        return self.home(self.instructor) / "resistlab"

    def add_user(self, user: str) -> None:
        """The recipe's ``useradd`` (docs/jupyterhub.md): a home of mode 0700, and for a
        student no subordinate ids (review 71: with a range of her own, a student had owned
        folders of ids she invented in ``inbound`` under uids that are no user's)."""
        student = user != self.instructor
        subids = ["-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0"] if student else []
        subprocess.run(
            ["useradd", "--create-home", "-K", "HOME_MODE=0700", *subids, "--home-dir",
             str(self.home(user)), "--shell", "/bin/sh", user],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        self.users_made.append(user)
        assert self.home(user).stat().st_mode & 0o777 == 0o700  # the recipe's command does it
        if student:
            uid = str(self.uid(user))
            for path in ("/etc/subuid", "/etc/subgid"):
                if os.path.exists(path):
                    lines = Path(path).read_text(encoding="utf-8").splitlines()
                    assert not [s for s in lines if s.split(":")[0] in (user, uid)], path

    def give_subordinate_ids(self, user: str) -> None:
        """Give ``user`` 65,536 subordinate uids and gids (``usermod --add-subuids``) unless
        ``useradd`` already did (it does where ``/etc/subuid`` exists), as docs/jupyterhub.md
        asks for the instructor: the kernels the instructor grades then get uids of their own."""
        from resistlab.course.grading.sandbox import subordinate_ids

        if subordinate_ids(self.uid(user)) is not None:
            return
        ends = [100000]
        for path in ("/etc/subuid", "/etc/subgid"):
            Path(path).touch(mode=0o644)
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                parts = line.split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    ends.append(int(parts[1]) + int(parts[2]))
        first = max(ends)
        span = f"{first}-{first + 65535}"
        subprocess.run(
            ["usermod", "--add-subuids", span, "--add-subgids", span, user],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def uid(self, user: str) -> int:
        import pwd

        return pwd.getpwnam(user).pw_uid

    def env_for(self, user: str, role: str) -> dict:
        """The environment the hub's pre_spawn_hook gives ``user``'s server."""
        return {
            "HOME": str(self.home(user)),
            "USER": user,
            "LOGNAME": user,
            "PATH": os.pathsep.join([ENV_BIN, "/usr/local/bin", "/usr/bin", "/bin"]),
            "JUPYTER_CONFIG_PATH": str(self.deploy / role),
            "RESISTLAB_EXCHANGE": str(self.exchange),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "LANG": "C.UTF-8",
        }

    def run_as_instructor(self, *args: str) -> subprocess.CompletedProcess:
        """Run a command in the course folder as the instructor, as a hub terminal would."""
        return self.run_as(self.instructor, *args)

    def run_as(self, user: str, *args: str) -> subprocess.CompletedProcess:
        """Run a command as ``user`` (in the course folder for the instructor, else at
        home), as that user's hub terminal would."""
        role = "instructor" if user == self.instructor else "student"
        proc = subprocess.run(
            list(args),
            cwd=self.course if role == "instructor" else self.home(user),
            env=self.env_for(user, role),
            user=user,
            group=user,
            extra_groups=[],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )
        assert proc.returncode == 0, (
            f"`{' '.join(args)}` failed as {user} (exit {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
        return proc

    # -- hub ---------------------------------------------------------------------------
    def start(self) -> None:
        self.hubdir.mkdir(mode=0o700)
        config = self.hubdir / "test_config.py"
        config.write_text(
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(self.deploy / 'jupyterhub_config.py')!r})  # noqa: F821\n"
            "c.JupyterHub.authenticator_class = 'shared-password'\n"
            f"c.SharedPasswordAuthenticator.user_password = {self.password!r}\n"
            "_hook = c.Spawner.pre_spawn_hook\n"
            "def _pinned(spawner):\n"
            "    _hook(spawner)\n"
            f"    pin = {str(self.pin)!r}\n"
            "    import os\n"
            "    if os.path.exists(pin):\n"
            "        user, port = open(pin).read().split()\n"
            "        if user == spawner.user.name:\n"
            "            spawner.port = int(port)\n"
            "c.Spawner.pre_spawn_hook = _pinned\n"
            f"c.ConfigurableHTTPProxy.pid_file = {str(self.hubdir / 'proxy.pid')!r}\n"
            f"c.JupyterHub.db_url = 'sqlite:///{self.hubdir / 'jupyterhub.sqlite'}'\n"
            f"c.JupyterHub.cookie_secret_file = {str(self.hubdir / 'cookie_secret')!r}\n"
            "c.JupyterHub.cleanup_servers = True\n"
            "c.JupyterHub.cleanup_proxy = True\n",
            encoding="utf-8",
        )
        env = {
            "PATH": os.pathsep.join([ENV_BIN, "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.hubdir),
            "LANG": "C.UTF-8",
            "RESISTLAB_HUB_URL": self.url,
            "RESISTLAB_HUB_BIND_URL": f"http://127.0.0.1:{self.port}",
            "RESISTLAB_HUB_INTERNAL_PORTS": ",".join(map(str, self.internal_ports)),
            "RESISTLAB_HUB_INSTRUCTORS": self.instructor,
            "RESISTLAB_HUB_ROSTER": str(self.roster),
            "RESISTLAB_EXCHANGE": str(self.exchange),
        }
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [os.path.join(ENV_BIN, "jupyterhub"), "-f", str(config)],
                cwd=self.hubdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the hub exited:\n{self.log_tail()}"
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/hub/api", timeout=2
                ) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"the hub did not answer within 90 s:\n{self.log_tail()}")

    def user_url(self, user: str) -> str:
        """The address of ``user``'s server, on a subdomain of its own."""
        return f"http://{user}.localhost:{self.port}/user/{user}"

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the hub (it stops the proxy and every server), then anything left."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        pidfile = self.hubdir / "proxy.pid"
        if pidfile.exists():
            _kill_pids([int(pidfile.read_text().strip() or 0)])
        import psutil

        uids = {self.uid(u) for u in self.users_made}
        left = [p.pid for p in psutil.process_iter(["uids"]) if p.info["uids"].real in uids]
        _kill_pids(left)
        for user in self.users_made:
            subprocess.run(["userdel", user], capture_output=True, timeout=30)


def _kill_pids(pids):
    for pid in pids:
        if pid <= 1:
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + 10
    for pid in pids:
        while pid > 1 and time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            if pid > 1:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture(scope="module")
def hub():
    base = Path(tempfile.mkdtemp(prefix="resistlab-hub-"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    h = Hub(base)
    try:
        for user in (h.instructor, *h.students):
            h.add_user(user)
        h.give_subordinate_ids(h.instructor)
        shutil.copytree(DEPLOY, h.deploy)
        subprocess.run(["chmod", "-R", "a+rX", str(h.deploy)], check=True, timeout=30)
        probe = subprocess.run(
            [os.path.join(ENV_BIN, "python"), "-c", "import resistlab, nbgrader, jupyterhub"],
            user=h.students[0], group=h.students[0], extra_groups=[], cwd="/",
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert probe.returncode == 0, (
            f"a user cannot run the hub environment {HUB_ENV} (it must be readable by every "
            f"user; see deploy/jupyterhub/install-hub-env.sh):\n{probe.stderr[-1500:]}"
        )
        # The exchange: world-writable with the sticky bit, as nbgrader asks.
        h.exchange.mkdir()
        h.exchange.chmod(0o1777)
        # The roster the hub allows and nbgrader imports (same columns as deploy's sample).
        with open(DEPLOY / "roster.csv", newline="", encoding="utf-8") as f:
            columns = next(csv.reader(f))
        with open(h.roster, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for i, s in enumerate(h.students):
                w.writerow([s, f"Student{i}", "Test", f"{s}@example.org"])
        h.roster.chmod(0o644)
        # The instructor's course: the repository's configuration and one assignment,
        # with the late policy a lecturer sets in the course's nbgrader_config.py.
        (h.course / "notebooks").mkdir(parents=True)
        shutil.copytree(REPO / "notebooks" / ASSIGNMENT, h.course / "notebooks" / ASSIGNMENT)
        config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
        config += '\nc.LateSubmissionPlugin.penalty_method = "zero"\n'
        (h.course / "nbgrader_config.py").write_text(config, encoding="utf-8")
        subprocess.run(
            ["chown", "-R", f"{h.instructor}:{h.instructor}", str(h.course)],
            check=True, timeout=30,
        )  # fmt: skip
        h.start()
        yield h
    finally:
        h.stop()
        print(f"--- hub log ---\n{h.log_tail(200)}")
        if os.environ.get("RESISTLAB_E2E_KEEP"):
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def pages(hub, browser):
    """One logged-in JupyterLab page per user, in separate browser contexts."""
    opened = {}
    try:
        for user in (hub.instructor, *hub.students):
            opened[user] = _login(browser, hub, user)
        yield opened
    finally:
        for page in opened.values():
            page.context.close()


def _login(browser, hub, user):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    try:
        page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=SPAWN_TIMEOUT_MS)
        _nbgrader_menu(page).wait_for(timeout=SPAWN_TIMEOUT_MS)
    except Exception as exc:
        text = page.locator("body").inner_text()[:1500]
        raise AssertionError(
            f"{user} did not reach JupyterLab ({page.url}):\n{text}\n--- hub log ---\n"
            f"{hub.log_tail()}"
        ) from exc
    return page


def _nbgrader_menu(page):
    return page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text-is("Nbgrader")')


def _open_nbgrader_menu(page):
    menu = page.locator("#jp-mainmenu-nbgrader")
    expect(menu, "the Nbgrader menu was left open").to_be_hidden()
    _nbgrader_menu(page).click()
    expect(menu).to_be_visible()
    return menu


def _menu_items(page) -> list[str]:
    menu = _open_nbgrader_menu(page)
    items = menu.locator("li .lm-Menu-itemLabel")
    items.first.wait_for()
    labels = [t.strip() for t in items.all_inner_texts() if t.strip()]
    # A click on the open menu's title closes it. Escape only reaches the menu once it has
    # taken the focus, which it does a frame after it is drawn: pressed before, the menu
    # stayed open and the next click on its title closed it instead of opening it.
    _nbgrader_menu(page).click()
    expect(menu).to_be_hidden()
    return labels


def _open_assignment_list(page):
    menu = _open_nbgrader_menu(page)
    menu.locator("li").get_by_text("Assignment List", exact=True).click()
    page.locator("#refresh_assignments_list").click()


def _sidebar_titles(page) -> list[str]:
    return page.locator(".jp-SideBar .lm-TabBar-tab").evaluate_all(
        "tabs => tabs.map(t => t.title || t.innerText)"
    )


def _text_of(page_html: str) -> str:
    """The text of an HTML page (syntax highlighting splits code into many tags)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page_html))


def _rows(page, kind: str):
    return page.locator(f"#{kind}_assignments_list > .list_item")


FETCH = """async url => {
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || ["", ""])[1];
    const r = await fetch(url, {headers: {"X-XSRFToken": xsrf}});
    return [r.status, await r.text()];
}"""


def _get(page, url):
    """GET ``url`` as the page's script does, with its cookies and its ``_xsrf`` (JupyterHub
    takes a cookie for a script's request only with it): (status, JSON body or None).

    (Playwright's own requests resolve names with the system's resolver, which knows no
    USER.localhost.)"""
    status, text = page.evaluate(FETCH, url)
    return status, (json.loads(text) if status == 200 and text.startswith("{") else None)


def _contents(page, hub, user, path):
    return _get(page, f"{hub.user_url(user)}/api/contents/{path}")


def test_a_stranger_cannot_log_in(hub, browser):
    """A username outside the roster and the instructors is refused, even with the password."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", "nobody-on-the-roster")
        page.fill("#password_input", hub.password)
        page.click("#login_submit")
        expect(page.locator(".login_error, #login_main .alert")).to_be_visible()
        assert "/hub/login" in page.url, f"a stranger got past the login page: {page.url}"
    finally:
        context.close()


def test_roles_each_user_sees(hub, pages):
    """The instructor sees Formgrader and Create Assignment; students see only their list."""
    instructor = pages[hub.instructor]
    items = _menu_items(instructor)
    assert "Formgrader" in items, f"instructor's Nbgrader menu lacks Formgrader: {items}"
    assert "Assignment List" in items, f"instructor's Nbgrader menu: {items}"
    assert "Create assignment" in items, f"instructor's Nbgrader menu: {items}"
    sidebar = _sidebar_titles(instructor)
    assert any("Create Assignment" in t for t in sidebar), f"instructor's sidebars: {sidebar}"
    status, _ = _get(instructor, f"{hub.user_url(hub.instructor)}/formgrader")
    assert status == 200, f"instructor's formgrader answered {status}"
    for student in hub.students:
        page = pages[student]
        items = _menu_items(page)
        assert "Assignment List" in items, f"{student}'s Nbgrader menu: {items}"
        hidden = [i for i in items if i.lower() in ("formgrader", "create assignment")]
        assert not hidden, f"a student's Nbgrader menu shows {hidden}"
        sidebar = _sidebar_titles(page)
        assert sidebar and not any("Create Assignment" in t for t in sidebar), (
            f"a student's sidebars: {sidebar}"
        )
        status, _ = _get(page, f"{hub.user_url(student)}/formgrader")
        assert status == 404, f"a student's formgrader answered {status}, expected 404"


# What a page a student serves from her own server (her own Jupyter configuration may serve
# any file) does in a classmate's browser: read his server's files, read its cookies through a
# window of his server, ask the hub for an API token in his name (review 72: on one origin
# each of these worked).
ACT_AS = """async ([target, hub, victim, note]) => {
    const out = {};
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || ["", ""])[1];
    try {
        const r = await fetch(target + "/api/contents", {
            credentials: "include", headers: {"X-XSRFToken": xsrf},
        });
        out.read = "status " + r.status + " " + (await r.text()).slice(0, 60);
    } catch (e) { out.read = "blocked"; }
    const w = window.open(target + "/api/status");
    for (let i = 0; i < 100; i++) {
        await new Promise(done => setTimeout(done, 100));
        try {
            if (w.location.href !== "about:blank" && w.document.readyState === "complete") break;
        } catch (e) { break; }
    }
    try { out.cookie = "read: " + w.document.cookie; } catch (e) { out.cookie = "blocked"; }
    w.close();
    // a plain POST (sent without asking the hub first) and one as the hub's own pages send it
    const json = {"X-XSRFToken": xsrf, "Content-Type": "application/json"};
    for (const [key, headers] of [["plain_token", {}], ["token", json]]) {
        try {
            const r = await fetch(hub + "/hub/api/users/" + victim + "/tokens", {
                method: "POST", credentials: "include", headers: headers,
                body: JSON.stringify({note: note, expires_in: 3600}),
            });
            out[key] = "status " + r.status;
        } catch (e) { out[key] = "blocked"; }
    }
    return out;
}"""


def _tokens_noted(hub, note: str) -> int:
    import sqlite3

    with sqlite3.connect(hub.hubdir / "jupyterhub.sqlite") as db:
        return db.execute("SELECT count(*) FROM api_tokens WHERE note = ?", (note,)).fetchone()[0]


def test_a_students_page_cannot_act_as_a_classmate_or_the_instructor(hub, pages):
    """Each server is on its own subdomain: a script on one student's origin reads none of a
    classmate's or the instructor's files or cookies and gets no hub token in their name.

    The same script on the victim's own origin reads both (and on the hub's page gets the
    token), so what stops it is the origin, not a broken probe."""
    attacker, classmate = hub.students
    page = pages[attacker]
    assert page.url.startswith(f"http://{attacker}.localhost:"), page.url
    for victim in (classmate, hub.instructor):
        note = f"act-as-{victim}-{secrets.token_hex(4)}"
        out = page.evaluate(ACT_AS, [hub.user_url(victim), hub.url, victim, note])
        blocked = dict.fromkeys(("read", "cookie", "plain_token", "token"), "blocked")
        assert out == blocked, f"{attacker}'s page acted as {victim}: {out}"
        assert _tokens_noted(hub, note) == 0, f"{attacker}'s page made a token for {victim}"

    own = pages[classmate]
    note = f"own-{secrets.token_hex(4)}"
    out = own.evaluate(ACT_AS, [hub.user_url(classmate), hub.url, classmate, note])
    assert out["read"].startswith("status 200"), out
    assert out["cookie"].startswith("read: ") and "_xsrf" in out["cookie"], out
    try:
        own.goto(f"{hub.url}/hub/home")
        out = own.evaluate(ACT_AS, [hub.user_url(classmate), hub.url, classmate, note])
        assert out["token"] == "status 201", out
        assert _tokens_noted(hub, note) == 1
    finally:
        own.goto(f"{hub.user_url(classmate)}/lab")
        _nbgrader_menu(own).wait_for()


def test_instructor_imports_roster_and_releases(hub, pages):
    """Roster import, due date, release: the instructor's Formgrader lists the assignment."""
    hub.run_as_instructor("nbgrader", "db", "student", "import", str(hub.roster))
    due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)
    hub.run_as_instructor(
        "nbgrader", "db", "assignment", "add", ASSIGNMENT,
        f"--duedate={due:%Y-%m-%d %H:%M:%S} UTC",
    )  # fmt: skip
    hub.run_as_instructor("resistlab", "release", ASSIGNMENT)
    hub.run_as_instructor("nbgrader", "release_assignment", ASSIGNMENT)
    out = hub.run_as_instructor("nbgrader", "db", "student", "list").stdout
    for s in hub.students:
        assert s in out, f"roster import lost {s}:\n{out}"
    released = hub.exchange / "resistlab" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert released.is_file(), "release_assignment put nothing in the exchange"
    text = released.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text

    page = pages[hub.instructor]
    _nbgrader_menu(page).click()
    page.locator("#jp-mainmenu-nbgrader li").get_by_text("Formgrader", exact=True).click()
    frame = page.frame_locator("iframe").last
    expect(frame.get_by_text(ASSIGNMENT).first).to_be_visible(timeout=UI_TIMEOUT_MS)


def _fetch_answer_submit(hub, page, student):
    _open_assignment_list(page)
    released = _rows(page, "released")
    expect(released).to_have_count(1)
    expect(released.first.locator(".item_name")).to_have_text(ASSIGNMENT)
    released.first.locator(".item_status button").click()
    fetched = _rows(page, "fetched")
    expect(fetched).to_have_count(1)
    nb_path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    status, _ = _contents(page, hub, student, nb_path)
    assert status == 200, f"{student}'s fetch left no {nb_path} ({status})"

    # Answer exercise 1 in the notebook editor and save.
    page.goto(f"{hub.user_url(student)}/lab/tree/{nb_path}")
    cell = page.locator(".jp-Notebook .jp-Cell").nth(5)
    expect(cell).to_contain_text("def hill(dose, e0, emax, ec50, h)")
    editor = cell.locator(".cm-content")
    editor.click()
    expect(cell).to_have_class(re.compile(r"jp-mod-active"))
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(ANSWER)
    expect(editor).to_contain_text("scaled / (1.0 + scaled)")
    expect(editor).not_to_contain_text("BEGIN SOLUTION")
    deadline = time.monotonic() + 45
    while True:
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        time.sleep(2)
        _, model = _contents(page, hub, student, nb_path)
        sources = ["".join(c["source"]) for c in model["content"]["cells"]]
        if "scaled / (1.0 + scaled)" in sources[5]:
            break
        assert time.monotonic() < deadline, (
            f"{student}'s edited answer was not saved; cell 5 on disk:\n{sources[5]}\n"
            f"in the editor:\n{cell.inner_text()}"
        )
        time.sleep(0.5)

    _open_assignment_list(page)
    fetched = _rows(page, "fetched")
    expect(fetched).to_have_count(1)
    fetched.first.locator('.item_status button:text("Submit")').click()
    expect(_rows(page, "submitted")).to_have_count(1)


def test_students_fetch_answer_and_submit(hub, pages):
    """In the Assignment List each student fetches, answers exercise 1 and submits.

    The first student submits before the due date; the instructor then moves the due date to
    now, so the second student's submission is late.
    """
    first, second = hub.students
    _fetch_answer_submit(hub, pages[first], first)
    due = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=1)
    hub.run_as_instructor(
        "nbgrader", "db", "assignment", "add", ASSIGNMENT,
        f"--duedate={due:%Y-%m-%d %H:%M:%S} UTC",
    )  # fmt: skip
    time.sleep(2)
    _fetch_answer_submit(hub, pages[second], second)
    inbound = sorted(p.name for p in (hub.exchange / "resistlab" / "inbound").iterdir())
    assert len(inbound) == 2 and all(ASSIGNMENT in n for n in inbound), inbound


def test_instructor_collects_grades_and_releases_feedback(hub, pages):
    """collect, autograde, generate and release feedback; the late student scores 0.

    Before the collect, the second student makes a newer, blank submission in the first
    student's name in ``inbound`` (which every student can write to): it is not collected
    (nbgrader alone took the newest folder of that name and only warned)."""
    on_time, late = hub.students
    forged = (
        hub.exchange
        / "resistlab"
        / "inbound"
        / f"{on_time}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+0123456789abcdef"
    )
    released = hub.exchange / "resistlab" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    hub.run_as(late, "mkdir", str(forged))
    hub.run_as(late, "cp", str(released), str(forged))
    collect = hub.run_as_instructor("nbgrader", "collect", ASSIGNMENT)
    assert f"names the student {on_time} but is owned by {late}" in collect.stderr, collect.stderr
    for s in hub.students:
        assert (hub.course / "submitted" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    # nbgrader's own grader runs student code unsandboxed: the course refuses it unless told
    # the submissions are trusted (these are the test's own); `resistlab grade` is checked
    # against its scores below (test_unprivileged_instructor_grades_with_resistlab)
    hub.run_as_instructor(
        "nbgrader", "autograde", ASSIGNMENT, "--UnsandboxedAutograde.allowed=True"
    )
    hub.run_as_instructor("nbgrader", "generate_feedback", ASSIGNMENT)
    hub.run_as_instructor("nbgrader", "release_feedback", ASSIGNMENT)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
        graded = {s: gb.find_submission(ASSIGNMENT, s) for s in hub.students}
        points = {
            s: sum(
                gb.find_grade(test, ASSIGNMENT, ASSIGNMENT, s).score
                for test in ("test_hill_function_values", "test_hill_function_arrays")
            )
            for s in hub.students
        }
        assert points == {on_time: ANSWER_POINTS, late: ANSWER_POINTS}, points
        assert graded[on_time].total_seconds_late == 0
        assert graded[on_time].late_submission_penalty in (0, None)
        assert graded[late].total_seconds_late > 0, "the second submission was not late"
        assert graded[late].late_submission_penalty == graded[late].score > 0, (
            f"late policy 'zero' should take the whole score: penalty "
            f"{graded[late].late_submission_penalty}, score {graded[late].score}"
        )
    feedback = list((hub.exchange / "resistlab" / "feedback").iterdir())
    assert len(feedback) == 2, f"release_feedback published {feedback}"


def test_students_fetch_and_read_feedback(hub, pages):
    """Each student fetches feedback in the Assignment List and opens their own page."""
    for student in hub.students:
        page = pages[student]
        page.goto(f"{hub.user_url(student)}/lab")
        _nbgrader_menu(page).wait_for()
        _open_assignment_list(page)
        submitted = _rows(page, "submitted")
        expect(submitted).to_have_count(1)
        submitted.first.locator('button:text("Fetch Feedback")').click()
        link = page.locator('#submitted_assignments_list a:text("view feedback")')
        expect(link.first).to_be_visible()
        link.first.click()  # the file browser goes to the feedback folder
        item = page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html")
        expect(item).to_be_visible()
        item.dblclick()
        viewer = page.frame_locator(".jp-MainAreaWidget iframe").last
        expect(viewer.locator("body")).to_contain_text("Score")
        expect(viewer.locator("body")).to_contain_text("scaled / (1.0 + scaled)")
        _, folder = _contents(page, hub, student, f"{ASSIGNMENT}/feedback")
        (stamp,) = [entry["path"] for entry in folder["content"]]
        _, model = _contents(page, hub, student, f"{stamp}/{ASSIGNMENT}.html")
        hub.feedback_html[student] = model["content"]
        text = _text_of(model["content"])
        assert "scaled / (1.0 + scaled)" in text, f"{student}'s feedback lacks their answer"
        others = [s for s in hub.students if s != student]
        assert all(o not in text for o in others), "feedback names another student"
        assert re.search(r"Score:\s*\d", text), f"{student}'s feedback shows no score"


def test_feedback_hides_the_hidden_tests(hub):
    """The feedback a student fetched (nbgrader's own generate_feedback, Formgrader's button,
    under the course configuration) shows no line of a hidden test."""
    import nbformat

    assert set(hub.feedback_html) == set(hub.students), "no feedback was read"
    nb = nbformat.read(REPO / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    hidden, inside = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside and len(line.strip()) > 20:
                hidden.append(line.strip())
    assert hidden, "the assignment has no hidden test to look for"
    for student, page in hub.feedback_html.items():
        text = _text_of(page)
        shown = [line for line in hidden if line in text]
        assert not shown, f"{student}'s feedback shows {len(shown)} hidden-test lines: {shown[:2]}"


PROBE = r"""
import json, os, socket
seen = {}
for name, path in PATHS.items():
    try:
        seen[name] = (
            ["dir", *os.listdir(path)] if os.path.isdir(path) else os.path.exists(path) and "file"
        )
    except OSError as err:
        seen[name] = f"error {err.errno}"
try:
    socket.create_connection(("127.0.0.1", HUB_PORT), timeout=2).close()
    hub_reached = True
except OSError:
    hub_reached = False
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
with open("/proc/self/uid_map") as uid_map:
    spans = [[int(x) for x in line.split()] for line in uid_map]
outside = next(o + os.getuid() - i for i, o, n in spans if i <= os.getuid() < i + n)
print("PROBE" + json.dumps({"seen": seen, "hub_reached": hub_reached, "pids": pids,
                            "uid": os.getuid(), "outside_uid": outside}))
"""


def test_unprivileged_instructor_grades_with_resistlab(hub):
    """The instructor, an ordinary Linux user, runs ``resistlab grade --sandbox require`` on the
    collected class plus one probing submission: every layer applies without root, the honest
    students keep nbgrader's scores, and the probing kernel sees none of the course, the
    homes or the exchange, no other process and not the hub, and runs as one of the
    instructor's subordinate uids, not as the instructor."""
    import nbformat
    from nbgrader.api import Gradebook

    db = f"sqlite:///{hub.course / 'gradebook.db'}"
    with Gradebook(db) as gb:
        before = {
            s: (sub.score, sub.late_submission_penalty)
            for s in hub.students
            for sub in [gb.find_submission(ASSIGNMENT, s)]
        }
    paths = {
        "course": str(hub.course),
        "gradebook": str(hub.course / "gradebook.db"),
        "instructor_home": str(hub.home(hub.instructor)),
        "student_home": str(hub.home(hub.students[0])),
        "exchange": str(hub.exchange),
    }
    nb = nbformat.read(hub.course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    answer = next(c for c in nb.cells if "def hill(dose, e0, emax, ec50, h)" in c.source)
    answer.source = (
        f"PATHS = {paths!r}\nHUB_PORT = {hub.port}\n{PROBE}\nimport numpy as np\n{ANSWER}"
    )
    prober = "rlprobe"
    folder = hub.course / "submitted" / prober / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    subprocess.run(["chown", "-R", hub.instructor, str(hub.course / "submitted" / prober)],
                   check=True)  # fmt: skip

    out = hub.run_as_instructor(
        "resistlab", "grade", ASSIGNMENT, "--sandbox", "require", "--force", "--jobs", "2"
    ).stdout
    assert "0 error(s)" in out, out
    assert "sandbox_degraded" not in out, out

    with Gradebook(db) as gb:
        after = {
            s: (sub.score, sub.late_submission_penalty)
            for s in hub.students
            for sub in [gb.find_submission(ASSIGNMENT, s)]
        }
        probe_points = sum(
            gb.find_grade(test, ASSIGNMENT, ASSIGNMENT, prober).score
            for test in ("test_hill_function_values", "test_hill_function_arrays")
        )
    assert after == before, f"resistlab changed nbgrader's scores: {before} -> {after}"
    assert probe_points == ANSWER_POINTS, "the probing student's correct answer lost points"

    graded = nbformat.read(
        hub.course / "autograded" / prober / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4
    )
    text = "".join(
        o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs
    )
    report = json.loads(text.split("PROBE", 1)[1].splitlines()[0])
    assert not any(report["seen"].values()), f"the kernel saw the host: {report['seen']}"
    assert not report["hub_reached"], "the kernel reached the hub on loopback"
    assert max(report["pids"]) < 50 and len(report["pids"]) < 10, (
        f"the kernel sees host processes: {report['pids']}"
    )
    assert report["uid"] != 0, "the kernel runs as root"
    from resistlab.course.grading.sandbox import subordinate_ids

    first, _gid, count = subordinate_ids(hub.uid(hub.instructor))
    assert first <= report["outside_uid"] < first + count, (
        f"the kernel runs as uid {report['outside_uid']} outside its namespaces, not one of the "
        f"instructor's subordinate uids {first}-{first + count - 1} (the instructor is "
        f"{hub.uid(hub.instructor)})"
    )


SNIPER = """
import http.server
class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"SNIPED")
    do_POST = do_PUT = do_DELETE = do_GET
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", PORT), Page)
print("up", flush=True)
server.serve_forever()
"""

SERVER = """async ([hub, user, method]) => {
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || ["", ""])[1];
    const r = await fetch(hub + "/hub/api/users/" + user + (method === "GET" ? "" : "/server"), {
        method: method, headers: {"X-XSRFToken": xsrf, "Content-Type": "application/json"},
    });
    return [r.status, await r.text()];
}"""


def test_a_port_another_user_listens_on_is_never_routed(hub, pages):
    """Review 73 C: a student listening on the port chosen for a classmate's server before that
    server bound it had the classmate's own address routed to her process. The recipe's
    spawner refuses the server instead: the start fails, and the address never reaches her."""
    sniper, victim = hub.students
    port = _free_port()
    listener = subprocess.Popen(
        ["runuser", "-u", sniper, "--", "/usr/bin/python3", "-c", f"PORT = {port}\n{SNIPER}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout.readline().strip() == "up"
        hub.pin.write_text(f"{victim} {port}")
        page = pages[victim]
        page.goto(f"{hub.url}/hub/home")
        status, text = page.evaluate(SERVER, [hub.url, victim, "DELETE"])
        assert status in (202, 204), (status, text)
        deadline = time.monotonic() + 120
        while json.loads(page.evaluate(SERVER, [hub.url, victim, "GET"])[1])["servers"]:
            assert time.monotonic() < deadline, f"{victim}'s server did not stop"
            time.sleep(1)
        page.evaluate(SERVER, [hub.url, victim, "POST"])  # the start, refused
        refusal = f"the port chosen for {victim}'s server, {port}, is listened on by uid(s)"
        while refusal not in hub.log.read_text(errors="replace"):
            assert time.monotonic() < deadline, f"no refusal in the hub's log:\n{hub.log_tail()}"
            time.sleep(1)
        model = json.loads(page.evaluate(SERVER, [hub.url, victim, "GET"])[1])
        assert not model["servers"] or not any(v.get("ready") for v in model["servers"].values())
        request = urllib.request.Request(
            f"http://127.0.0.1:{hub.port}/user/{victim}/api/status",
            headers={"Host": f"{victim}.localhost:{hub.port}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                body = r.read()
        except urllib.error.HTTPError as err:
            body = err.read()
        assert b"SNIPED" not in body, f"{victim}'s address reached {sniper}'s process"
    finally:
        listener.kill()
        listener.wait()
        hub.pin.unlink(missing_ok=True)
