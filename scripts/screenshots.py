"""Screenshots of the running demo (`make run`) for the README, taken with headless Chromium.

    python3 scripts/screenshots.py [--url http://127.0.0.1:8069] [--db logikal_demo] [--out docs/screenshots]
                                   [--only sync-progress.png]

With `logikal_connector_sale` installed it also shoots a quotation imported from the showcase project
(sale-quotation.png; made with the project's *Create quotation* when the project has none yet).

Logs in over JSON-RPC (admin/admin by default), hands the session cookie to Chromium through the DevTools
protocol, opens each page, waits until its content is drawn and saves a PNG. Standard library only: the
DevTools websocket is spoken by the small client below.

`sync-progress.png` is a Force Sync seen live: the script slows the demo simulator's phase listings down
(its control API, cleared afterwards), presses Force Sync on the directory with the most projects and
waits for the progress notification to count the second project.
"""

import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROME_NAMES = ("chromium", "google-chrome", "chromium-browser", "google-chrome-stable")


def pages(project_id):
    """(file name, path, CSS selector that means "drawn", JavaScript run before the shot)."""
    return [
        ("projects-kanban.png", "/odoo/logikal", ".o_kanban_record img", None),
        ("project-form.png", f"/odoo/logikal/{project_id}", ".o_form_view .o_notebook", _click_tab("Elevations")),
        ("sync-intervals.png", "/odoo/logikal-sync-intervals", ".o_list_view .o_data_row", None),
        ("sync-runs.png", "/odoo/logikal-sync-runs", ".o_list_view .o_data_row", None),
    ]


def sale_pages(odoo, project_id):
    """The imported quotation, when the sales addon is installed."""
    installed = odoo.search_read(
        "ir.module.module", [("name", "=", "logikal_connector_sale"), ("state", "=", "installed")], ["id"]
    )
    if not installed:
        return []
    order_id = odoo.quotation_of(project_id)
    path = f"/odoo/action-sale.action_quotations_with_onboarding/{order_id}"
    return [("sale-quotation.png", path, ".o_form_view .o_is_line_section", None)]


def _click_tab(label):
    return (
        f"[...document.querySelectorAll('.o_notebook .nav-link')]"
        f".find(a => a.textContent.trim() === {json.dumps(label)})?.click()"
    )


# ---------------------------------------------------------------------- Odoo over JSON-RPC
class Odoo:
    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.session_id = None
        result = self.call("/web/session/authenticate", {"db": db, "login": login, "password": password})
        if not result.get("uid"):
            raise SystemExit(f"cannot log in to {self.url} as {login}")

    def call(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        request = urllib.request.Request(self.url + path, body, {"Content-Type": "application/json"})
        if self.session_id:
            request.add_header("Cookie", f"session_id={self.session_id}")
        with urllib.request.urlopen(request, timeout=60) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                if header.startswith("session_id="):
                    self.session_id = header.split(";", 1)[0].split("=", 1)[1]
            reply = json.load(response)
        if reply.get("error"):
            raise SystemExit(f"{path}: {reply['error'].get('data', {}).get('message') or reply['error']}")
        return reply["result"]

    def search_read(self, model, domain, fields, **kw):
        return self.call(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": "search_read",
                "args": [domain, fields],
                "kwargs": kw,
            },
        )

    def showcase_directory(self):
        """The directory with the most projects (and the simulator's control URL of its connection)."""
        directories = self.search_read("logikal.directory", [], ["id", "backend_id"])
        counts = {
            d["id"]: len(self.search_read("logikal.project", [("directory_id", "child_of", d["id"])], ["id"]))
            for d in directories
        }
        if not counts:
            raise SystemExit("the demo has no synced project yet: wait for the first sync (make run) and retry")
        best = max(directories, key=lambda d: (counts[d["id"]], -d["id"]))
        url = self.search_read("logikal.backend", [("id", "=", best["backend_id"][0])], ["url"])[0]["url"]
        return best["id"], url.rsplit("/api/", 1)[0]

    def quotation_of(self, project_id):
        """A quotation imported from the project: the first one, else one made by *Create quotation*."""
        orders = self.search_read("sale.order", [("logikal_project_id", "=", project_id)], ["id"], limit=1)
        if orders:
            return orders[0]["id"]
        action = self.call(
            "/web/dataset/call_kw",
            {"model": "logikal.project", "method": "action_create_quotation", "args": [[project_id]], "kwargs": {}},
        )
        return action["res_id"]

    def showcase_project(self):
        """The project with the most elevations: the form shows phases and thumbnails."""
        projects = self.search_read("logikal.project", [], ["id", "elevation_count"], limit=80)
        if not projects:
            raise SystemExit("the demo has no synced project yet: wait for the first sync (make run) and retry")
        return max(projects, key=lambda p: (p["elevation_count"], -p["id"]))["id"]


# ---------------------------------------------------------------------- Chromium over DevTools
class Chromium:
    def __init__(self, width, height):
        executable = next(filter(None, map(shutil.which, CHROME_NAMES)), None)
        if not executable:
            raise SystemExit("Chromium not found: apt-get install chromium")
        self.profile = tempfile.mkdtemp(prefix="logikal_shots_")
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                f"--remote-debugging-port={self.port}",
                "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.socket = _WebSocket(self._page_websocket_url())
        self.next_id = 0

    def _page_websocket_url(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=2) as response:
                    targets = [t for t in json.load(response) if t.get("type") == "page"]
                if targets:
                    return targets[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("Chromium did not open its DevTools port")

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.monotonic() + timeout
        probe = f"!!document.querySelector({json.dumps(selector)}) && !document.querySelector('.o_loading_indicator')"
        while time.monotonic() < deadline:
            if self.evaluate(probe):
                return
            time.sleep(0.25)
        raise SystemExit(f"timed out waiting for {selector}")

    def wait_for_text(self, selector, text, timeout=30):
        deadline = time.monotonic() + timeout
        probe = f"(document.querySelector({json.dumps(selector)})?.textContent || '').includes({json.dumps(text)})"
        while time.monotonic() < deadline:
            if self.evaluate(probe):
                return
            time.sleep(0.25)
        raise SystemExit(f"timed out waiting for {text!r} in {selector}")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


class _WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: masked text frames out, text frames in."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        response = http.client.HTTPResponse(self.sock)
        response.begin()
        if response.status != 101:
            raise SystemExit(f"DevTools websocket refused: HTTP {response.status}")

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + len(payload).to_bytes(8, "big")
        mask = os.urandom(4)
        self.sock.sendall(bytes(header) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        chunks = []
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = int.from_bytes(self._read(2), "big")
            elif length == 127:
                length = int.from_bytes(self._read(8), "big")
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode in (0x1, 0x0):
                chunks.append(payload)
                if first & 0x80:
                    return b"".join(chunks).decode()
            elif opcode == 0x8:
                raise SystemExit("DevTools closed the connection")

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise SystemExit("DevTools connection lost")
            data += chunk
        return data


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------- main
PROGRESS_SHOT = "sync-progress.png"
PHASES_HANG_SECONDS = 3


def _sim_faults(sim_root, faults):
    body = json.dumps(faults).encode()
    request = urllib.request.Request(sim_root + "/_sim/faults", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):
        pass


def take_progress(odoo, browser, out_dir):
    """A Force Sync of the biggest directory, shot once the progress notification counts projects."""
    directory_id, sim_root = odoo.showcase_directory()
    browser.send("Page.navigate", url=f"{odoo.url}/odoo/logikal-directories/{directory_id}")
    time.sleep(0.5)
    browser.wait_for(".o_form_view .o_form_statusbar")
    _sim_faults(sim_root, {"hang": {"GET /phases": PHASES_HANG_SECONDS}})
    try:
        browser.evaluate("document.querySelector('.o_form_statusbar button[name=action_force_sync]').click()")
        browser.wait_for(".o_logikal_sync_running .o_notification_content", timeout=120)
        # the second count is an update in place (the first message fades in)
        browser.wait_for_text(".o_logikal_sync_running .o_notification_content", "2 of", timeout=120)
        time.sleep(0.3)
        target = os.path.join(out_dir, PROGRESS_SHOT)
        browser.screenshot(target)
        print(f"saved {os.path.relpath(target, ROOT)}")
        browser.wait_for(".o_logikal_sync_result", timeout=180)  # leave the demo as it was: the sync ends
    finally:
        _sim_faults(sim_root, {})


def take(odoo, browser, out_dir, only=None):
    host = urllib.parse.urlsplit(odoo.url).hostname
    browser.send("Network.enable")
    browser.send("Network.setCookie", name="session_id", value=odoo.session_id, domain=host, path="/")
    browser.send("Page.enable")
    project_id = odoo.showcase_project()
    shots = pages(project_id)
    if not only or only == "sale-quotation.png":
        shots += sale_pages(odoo, project_id)
    for name, path, ready, prepare in shots:
        if only and name != only:
            continue
        browser.send("Page.navigate", url=odoo.url + path)
        time.sleep(0.5)
        browser.wait_for(ready)
        if prepare:
            browser.evaluate(prepare)
        time.sleep(1.5)  # images and fonts
        target = os.path.join(out_dir, name)
        browser.screenshot(target)
        print(f"saved {os.path.relpath(target, ROOT)}")
    if not only or only == PROGRESS_SHOT:
        take_progress(odoo, browser, out_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("LOGIKAL_DEMO_URL", "http://127.0.0.1:8069"))
    parser.add_argument("--db", default=os.environ.get("LOGIKAL_DEMO_DB", "logikal_demo"))
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default=os.environ.get("LOGIKAL_DEMO_PASSWORD", "admin"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--only", help="take this one screenshot (a file name, e.g. sync-progress.png)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    odoo = Odoo(args.url, args.db, args.login, args.password)
    width, height = (int(v) for v in args.size.lower().split("x"))
    browser = Chromium(width, height)
    try:
        take(odoo, browser, args.out, only=args.only)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
