"""Fixtures of the actiscope package's tests: a real actiscope-server on ports it picks, and its
stored data read back through the `actiscope` CLI (--json, cli/README.md).

The binaries come from ACTISCOPE_BUILD_DIR (default: <repo>/build); run with
    PYTHONPATH=$ACTISCOPE_BUILD_DIR/python /usr/bin/python3 -m pytest -q python/tests
"""

import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ACTISCOPE_BUILD_DIR", REPO / "build"))
SERVER_BIN = BUILD / "server" / "actiscope-server"
CLI_BIN = BUILD / "cli" / "actiscope"


def wait_for(condition, timeout, what):
    """Polls `condition` until it returns a true value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Server:
    """An actiscope-server process over the database `db`; start() again after kill() reuses
    the gRPC port, so a Reporter pointed at `address` finds the restarted collector."""

    def __init__(self, scratch):
        self.scratch = pathlib.Path(scratch)
        self.db = self.scratch / "runs.db"
        self.grpc_port = 0
        self.process = None

    def start(self):
        port_file = self.scratch / "ports"
        if port_file.exists():
            port_file.unlink()
        self.process = subprocess.Popen(
            [str(SERVER_BIN), f"--grpc_addr=127.0.0.1:{self.grpc_port}",
             "--http_addr=127.0.0.1:0", f"--db={self.db}", f"--port_file={port_file}"],
            stdout=subprocess.DEVNULL, stderr=open(self.scratch / "server.log", "ab"))

        def ports():
            if self.process.poll() is not None:
                raise RuntimeError(f"actiscope-server exited with {self.process.returncode}; "
                                   f"see {self.scratch / 'server.log'}")
            text = port_file.read_text() if port_file.exists() else ""
            return text.split() if text.endswith("\n") or len(text.split()) == 2 else None

        grpc_port, _ = wait_for(ports, 20, "the server's port file")
        self.grpc_port = int(grpc_port)

    @property
    def address(self):
        return f"127.0.0.1:{self.grpc_port}"

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def cli(self, *args):
        out = subprocess.run([str(CLI_BIN), f"--server={self.address}", "--json", *args],
                             check=True, capture_output=True, text=True, timeout=30)
        return json.loads(out.stdout)

    def show(self, run_id):
        return self.cli("show", run_id)

    def heatmap(self, run_id, layer, kind="activation", rank=None):
        """The heatmap's columns of one step each that hold a histogram (all ranks merged unless
        `rank` is given)."""
        args = ["heatmap", run_id, layer, f"--kind={kind}", "--columns=1000"]
        if rank is not None:
            args.append(f"--rank={rank}")
        result = self.cli(*args)
        return [c for c in result["columns"] if c["histograms"] > 0]

    def stored_steps(self, run_id, layer, kind="activation"):
        """The steps of the layer's stored histograms; [] while the run or layer is unknown."""
        try:
            return [c["step_from"] for c in self.heatmap(run_id, layer, kind)]
        except subprocess.CalledProcessError as e:
            if "NOT_FOUND" in e.stderr:
                return []
            raise

    def scalars(self, run_id):
        return {s["name"]: dict(zip(s["steps"], s["values"]))
                for s in self.cli("scalars", run_id)["series"]}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("server"))
    s.start()
    yield s
    s.stop()


@pytest.fixture
def fresh_server(tmp_path):
    s = Server(tmp_path)
    s.start()
    yield s
    s.stop()
