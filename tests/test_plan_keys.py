"""Cache keys of plan folders are remembered, and never trusted for a file that changed."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from publisher.publish import plans
from publisher.publish.plans import Keys, artifact_key

ROOT = Path(__file__).resolve().parents[1]
ARGS = ("https://w3id.org/mplan/id/", "rules", 1 << 20)


def test_unchanged_folders_are_not_read_again_and_a_changed_file_is(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "datasets" / "202151-shiojiri-6"
    shutil.copytree(ROOT / "datasets" / "202151-shiojiri-6", folder)
    time.sleep(plans.SETTLED_NS / 1e9 + 0.2)  # the files settle before their key is remembered
    first = Keys(tmp_path / "cache", *ARGS)
    key = first.key(folder)
    assert key == artifact_key(folder, *ARGS)
    first.save()

    calls = []
    real = plans.artifact_key
    monkeypatch.setattr(plans, "artifact_key", lambda *a: calls.append(a) or real(*a))
    assert Keys(tmp_path / "cache", *ARGS).key(folder) == key and calls == []  # not read again
    assert Keys(tmp_path / "cache", "https://example.org/", *ARGS[1:]).key(folder) != key  # other settings

    # the same size and the same modification time, different bytes: the change time tells
    f = folder / "plan.yaml"
    st = f.stat()
    text = f.read_bytes()
    f.write_bytes(text.replace(b"Files of this", b"Files of thus", 1))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    again = Keys(tmp_path / "cache", *ARGS)
    changed = again.key(folder)
    assert len(calls) == 2 and changed != key and changed == real(folder, *ARGS)


def test_a_damaged_memo_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "202151-shiojiri-6"
    shutil.copytree(ROOT / "datasets" / "202151-shiojiri-6", folder)
    (tmp_path / "cache" / "plans").mkdir(parents=True)
    (tmp_path / "cache" / "plans" / plans.KEYS_FILE).write_text("{not json", encoding="utf-8")
    assert Keys(tmp_path / "cache", *ARGS).key(folder) == artifact_key(folder, *ARGS)
