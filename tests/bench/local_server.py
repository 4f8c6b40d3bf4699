"""A local actiscope-server for the Python benchmarks: started on free ports over a fresh
database, ready when it has written its port file."""

import os
import subprocess
import sys
import time


def start_server(build, db, state, stderr=subprocess.DEVNULL):
    """Starts build/server/actiscope-server on 127.0.0.1 with database `db`, its port file in
    the directory `state`. Returns (process, gRPC address, HTTP base URL); exits the benchmark
    if the server dies before it is ready."""
    ports = os.path.join(state, "ports")
    server = subprocess.Popen(
        [os.path.join(build, "server", "actiscope-server"), "--grpc_addr=127.0.0.1:0",
         "--http_addr=127.0.0.1:0", f"--db={db}", f"--port_file={ports}"],
        stdout=subprocess.DEVNULL, stderr=stderr)
    for _ in range(200):
        if os.path.exists(ports) and os.path.getsize(ports) > 0:
            break
        if server.poll() is not None:
            sys.exit("actiscope-server failed to start")
        time.sleep(0.05)
    time.sleep(0.05)  # The file is written whole, but may have been seen mid-write.
    with open(ports) as f:
        grpc_port, http_port = f.read().split()
    return server, f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{http_port}"
