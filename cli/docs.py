"""``csw docs``: the dbt documentation site of this warehouse, in ``$CSW_HOME/docs/``.

``dbt docs generate --static`` writes the models, columns, tests, lineage graph and the exposures
(one per published output, ``dbt_project/models/_outputs__exposures.yml``) into one self-contained
``static_index.html`` that opens from disk without a web server; ``index.html`` (the same site,
reading ``manifest.json`` and ``catalog.json`` beside it) is kept for ``dbt docs serve``-style
hosting.

The catalogue (column types, row counts) is read from a snapshot copy of the warehouse, never
from the published file itself: dbt opens its database read-write, and analysts (and the next
night's build) must never find the published warehouse locked by a documentation run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from warehouse.settings import DBT_PROJECT_DIR, Paths, load_settings

SITE_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


def build_docs(home: Path) -> int:
    """Generate the site into ``$CSW_HOME/docs``; 0 on success."""
    from orchestration.dbt_project import dbt_executable, dbt_vars

    paths = Paths(home)
    if not paths.warehouse.exists():
        print(f"No warehouse at {paths.warehouse} yet: run `csw run` first (the docs describe its tables).",
              file=sys.stderr)
        return 1
    docs = paths.home / "docs"
    with tempfile.TemporaryDirectory(prefix="csw-docs-") as tmp:
        snapshot = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(paths.warehouse, snapshot)
        wal = paths.warehouse.with_name(paths.warehouse.name + ".wal")
        if wal.exists():  # changes not yet checkpointed into the file
            shutil.copyfile(wal, snapshot.with_name(snapshot.name + ".wal"))
        target = Path(tmp) / "target"
        env = {**os.environ, "CSW_WAREHOUSE_PATH": str(snapshot)}
        completed = subprocess.run(
            [dbt_executable(), "docs", "generate", "--static", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
             "--vars", dbt_vars(load_settings(home), home)],
            env=env, capture_output=True, text=True, check=False,
        )
        if completed.returncode != 0:
            print(completed.stdout[-4000:], completed.stderr[-4000:], sep="\n", file=sys.stderr)
            print("csw docs: dbt docs generate failed", file=sys.stderr)
            return completed.returncode
        docs.mkdir(parents=True, exist_ok=True)
        for name in SITE_FILES:
            if (target / name).exists():
                shutil.copyfile(target / name, docs / name)
    print(f"dbt documentation written to {docs}")
    print(f"  open {docs / 'static_index.html'} in a browser (self-contained; no server needed)")
    return 0
