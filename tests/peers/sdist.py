"""The peers' own test files, fetched at test time from their source distributions on the package index
(none of their code is committed here): ``pip download --no-deps --no-binary :all: NAME==VERSION``,
then the wanted members of the archive are unpacked. A test that needs them skips when the index cannot
be reached."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tarfile
from collections.abc import Callable

import pytest


def download(name: str, version: str, where: pathlib.Path) -> pathlib.Path:
    """The sdist archive of ``name==version`` downloaded into ``where`` (pytest.skip if it cannot be)."""
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"{name}=={version}", "-d", str(where)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"cannot fetch {name} {version}'s sdist from the package index: {exc} {detail[-500:]!r}")
    archives = sorted(where.glob("*.tar.gz"))
    if len(archives) != 1:
        pytest.skip(f"pip download of {name}=={version} gave {[a.name for a in archives]}, not one .tar.gz")
    return archives[0]


def unpack(archive: pathlib.Path, dest: pathlib.Path, place: Callable[[str], str | None]) -> list[str]:
    """Unpack the members that ``place`` maps to a path under ``dest``; ``place`` gets each member's path
    inside the sdist's top folder (``tests/test_crps.py``) and returns where it goes, or None to skip it.
    Returns the paths written."""
    written = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            target = place(member.name.split("/", 1)[-1])
            if target is not None:
                member.name = target
                tar.extract(member, dest, filter="data")
                written.append(target)
    return written
