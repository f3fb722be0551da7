"""Resident memory of the bot's processes, found through /proc by the loopback ports they listen on."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"  # TCP state of a listening socket in /proc/net/tcp


def listening_inodes(ports: set[int]) -> dict[str, int]:
    """socket inode -> port, for sockets listening on one of `ports`."""
    found: dict[str, int] = {}
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[3] == LISTEN and port in ports:
                found[fields[9]] = port
    return found


def pids_by_port(ports: set[int]) -> dict[int, int]:
    """port -> pid of the process listening on it (the first one found)."""
    inodes = listening_inodes(ports)
    owners: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or not inodes:
            continue
        for link in _fd_links(entry):
            if link.startswith("socket:[") and link[8:-1] in inodes:
                owners.setdefault(inodes[link[8:-1]], int(entry.name))
    return owners


def _fd_links(process: Path) -> list[str]:
    """Targets of a process's open file descriptors; fds that close meanwhile are skipped."""
    try:
        fds = list((process / "fd").iterdir())
    except OSError:  # the process ended or is not ours to read
        return []
    links = []
    for fd in fds:
        try:
            links.append(os.readlink(fd))
        except OSError:
            continue
    return links


def children(pid: int) -> list[int]:
    """pid and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    family, pending = [], [pid]
    while pending:
        current = pending.pop()
        family.append(current)
        pending.extend(parents.get(current, []))
    return family


def rss_kb(pid: int) -> int:
    """VmRSS of one process in KiB; 0 when it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def rss_by_port(ports: set[int]) -> dict[int, int]:
    """port -> resident KiB of the listening process and its children (0 when nothing listens)."""
    owners = pids_by_port(ports)
    return {
        port: sum(rss_kb(pid) for pid in children(owners[port])) if port in owners else 0 for port in ports
    }


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process so far; 0 when it is gone."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def families_by_port(ports: set[int]) -> dict[int, list[int]]:
    """port -> pids of the listening process and its children (empty when nothing listens)."""
    owners = pids_by_port(ports)
    return {port: children(owners[port]) if port in owners else [] for port in ports}


def cpu_by_port(ports: set[int]) -> dict[int, float]:
    """port -> CPU seconds used so far by the listening process and its children."""
    owners = pids_by_port(ports)
    return {
        port: sum(cpu_s(pid) for pid in children(owners[port])) if port in owners else 0.0 for port in ports
    }
