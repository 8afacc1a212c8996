"""Writing files safely: whole or not at all.

Every file this project writes for a user (drawings, players, models, checkpoints,
plots) goes through ``write_atomically``: the content goes to a temporary file in the
same folder, which then replaces the target in one step.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

__all__ = ["script_safe_json", "write_atomically"]


def write_atomically(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` through a temporary file
    and a rename, so a crash, a full disk or Ctrl-C never leaves a half-written file in
    place of a good one.

    A new file gets the permissions a plain ``open()`` would give it, a file that is
    replaced keeps its own, and a symbolic link is written through, not replaced.
    Errors name ``path``, not the temporary file.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_atomically(folder / "note.txt", "hello").read_text()
        'hello'
    """
    # Encoded first: a lone surrogate fails here, before any file is touched.
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    target = _writable_target(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666
        # os.open applies the umask to a new file's mode, as open() does.
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            if target.exists():
                os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from error
    return Path(path)


def _writable_target(path: str | Path) -> Path:
    """The file a write to ``path`` lands in (through a link), or a clear error."""
    if not str(path) or str(path).endswith(("/", os.sep)):
        raise IsADirectoryError(
            errno.EISDIR, f"cannot write {path!r}: it names a folder, not a file"
        )
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"cannot write {path}: it is a folder")
    return target


def script_safe_json(data: Any) -> str:
    """JSON to embed in an HTML ``<script>`` element: nothing in it can end the element,
    whatever the labels hold, and NaN or infinity (which JSON.parse refuses) raise.

    Example:
        >>> print(script_safe_json({"label": "</script>"}))
        {"label":"\\u003c/script\\u003e"}
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text
