"""SHA-256 of artifact files and the manifest digest of a set of files (docs/manifests.md).

A manifest digest is SHA-256 over the RFC 8785 (JCS) canonical JSON ``{"files": [{"path", "sha256", "size"}]}``, files
sorted by the UTF-8 bytes of their path, ``sha256`` as 64 lower-case hex characters without prefix, ``size`` in bytes.
It is the digest of a dataset and of a model directory, the same one the CLI and the ledger compute.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidInput

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ListedFile:
    """One file of a manifest: its path (``/``-separated, relative), ``sha256:<hex>`` digest and size in bytes."""

    path: str
    sha256: str
    size: int


def sha256_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """``("sha256:<hex>", size in bytes)`` of a file, read in 1 MiB chunks. Raises InvalidInput if there is no such file."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInput("file_not_found", f"no such file {p}")
    digest = hashlib.sha256()
    size = 0
    with p.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return "sha256:" + digest.hexdigest(), size


def manifest_digest(files: list[ListedFile]) -> str:
    """The manifest digest of ``files`` (see the module's docstring)."""
    ordered = sorted(files, key=lambda f: f.path.encode("utf-8"))
    canonical = json.dumps(
        {"files": [{"path": f.path, "sha256": f.sha256.removeprefix("sha256:").lower(), "size": f.size} for f in ordered]},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def directory_files(directory: str | os.PathLike[str]) -> list[ListedFile]:
    """Every regular file under ``directory`` with its relative ``/`` path, digest and size. A symbolic link inside is
    refused (``artifact_symlink``), as the ledger and the model servers refuse it."""
    root = Path(directory)
    listed: list[ListedFile] = []
    for folder, subfolders, names in os.walk(root):
        for name in sorted(subfolders + names):
            full = Path(folder) / name
            if full.is_symlink():
                raise InvalidInput("artifact_symlink", f"{full} is a symbolic link; a model directory holds only regular files")
        for name in sorted(names):
            full = Path(folder) / name
            digest, size = sha256_file(full)
            listed.append(ListedFile(full.relative_to(root).as_posix(), digest, size))
    if not listed:
        raise InvalidInput("artifact_empty", f"{root} holds no files")
    return listed


def artifact_digest(path: str | os.PathLike[str]) -> tuple[str, int, list[ListedFile] | None]:
    """A file's ``(digest, size, None)``, or a model directory's ``(manifest digest, total size, files)``."""
    if Path(path).is_dir():
        files = directory_files(path)
        return manifest_digest(files), sum(f.size for f in files), files
    digest, size = sha256_file(path)
    return digest, size, None
