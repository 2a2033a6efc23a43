"""Seal a file in headless Chromium as the deposit page does, and print MB/s.

The page's Worker (web/js/seal-worker.js) streams the file through age into the
origin private file system. Run: uv run python bench/seal_browser.py [--size MB]
"""

import argparse
import functools
import http.server
import mimetypes
import shutil
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from pyrage import x25519

STATIC = Path(__file__).resolve().parents[1] / "src" / "mutualis" / "web" / "static"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sealing benchmark</title></head><body><input type="file" id="file"></body></html>"""

SEAL = """async ([recipient]) => {
  const file = document.getElementById("file").files[0];
  const run = (message) => new Promise((resolve, reject) => {
    const worker = new Worker("/static/web/js/seal-worker.js", { type: "module" });
    worker.onmessage = ({ data }) => {
      if (data.type === "progress") return;
      worker.terminate();
      if (data.type === "sealed") resolve(data);
      else reject(new Error(data.message));
    };
    worker.postMessage({ cryptoUrl: "/static/web/vendor/mutualis-crypto.mjs", file, ...message });
  });
  const started = performance.now();
  // As the deposit page does: one Worker seals, another hashes the plaintext.
  const [sealed, hashed] = await Promise.all([
    run({ mode: "seal", recipient, target: "bench.age" }),
    run({ mode: "hash" }),
  ]);
  const seconds = (performance.now() - started) / 1000;
  const directory = await navigator.storage.getDirectory();
  await directory.removeEntry("bench.age");
  return { plainSize: hashed.plainSize, stored: sealed.size, seconds };
}"""


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
            return
        super().do_GET()

    def translate_path(self, path):
        relative = path.split("?", 1)[0].removeprefix("/static/")
        return str(STATIC / relative)

    def log_message(self, *args):
        pass


def serve():
    mimetypes.add_type("text/javascript", ".mjs")
    handler = functools.partial(Handler, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_file(directory, megabytes):
    path = Path(directory) / "offer.bin"
    block = bytes(range(256)) * 4096
    with path.open("wb") as out:
        for _ in range(megabytes * 1_000_000 // len(block)):
            out.write(block)
        out.write(block[: megabytes * 1_000_000 % len(block)])
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500, help="file size in MB")
    size = parser.parse_args().size
    server = serve()
    recipient = str(x25519.Identity.generate().to_public())
    with tempfile.TemporaryDirectory() as directory, sync_playwright() as playwright:
        path = make_file(directory, size)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page()
        page.set_default_timeout(0)
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.set_input_files("#file", path)
        started = time.perf_counter()
        result = page.evaluate(SEAL, [recipient])
        wall = time.perf_counter() - started
        browser.close()
    server.shutdown()

    plain = result["plainSize"]
    print(f"file: {plain / 1e6:.0f} MB, sealed: {result['stored'] / 1e6:.1f} MB")
    print(f"sealing in the Worker into OPFS: {result['seconds']:.1f} s")
    print(f"throughput: {plain / 1e6 / result['seconds']:.1f} MB/s (wall {wall:.1f} s)")


if __name__ == "__main__":
    main()
