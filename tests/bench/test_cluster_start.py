"""bench.load.cluster: CPU seconds of the cluster's processes, their children included."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.load.cluster import Cluster, start_cpu_s
from service.supervisor import Spec, Supervisor

# A parent that starts a child; both spin for about 0.6 s of CPU, then sleep until stopped.
SPIN = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(60)\n"
PARENT = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {SPIN!r}])\nexec({SPIN!r})\n"


def test_counts_the_cpu_of_each_process_and_its_children(tmp_path: Path) -> None:
    supervisor = Supervisor([Spec("spinner", [sys.executable, "-c", PARENT], "http://127.0.0.1:1/")])
    supervisor.start()
    cluster = Cluster([], {"spinner-0": supervisor}, tmp_path)
    deadline = time.monotonic() + 30  # a busy machine gives each spinner a fraction of a core
    try:
        while (used := start_cpu_s(cluster)) < 1.15 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        settled = start_cpu_s(cluster)
    finally:
        supervisor.stop(grace_s=5)
    assert used >= 1.15  # the parent alone would stop at 0.6 s
    assert settled < 1.6  # nothing counted twice
