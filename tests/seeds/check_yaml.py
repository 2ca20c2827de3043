"""Quick structural check of a plan folder while transcribing (schema + ids + parents).

Usage: python tests/seeds/check_yaml.py datasets/<plan-id>
The real check is `planlod validate`; this is a stop-gap for editors without it.
"""

import json
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
schema = json.loads((ROOT / "publisher/schemas/plan-source.schema.json").read_text())
folder = Path(sys.argv[1])
ok = True
merged: dict[str, list] = {}
for f in sorted(folder.glob("*.yaml")):
    data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
    for err in jsonschema.Draft202012Validator(schema).iter_errors(data):
        ok = False
        print(f"{f}: {'/'.join(map(str, err.absolute_path))}: {err.message[:300]}")
    for key, value in data.items():
        if isinstance(value, list):
            merged.setdefault(key, []).extend(value)
ids = [e["id"] for e in merged.get("elements", [])]
dupes = {i for i in ids if ids.count(i) > 1}
if dupes:
    ok = False
    print("duplicate element ids:", dupes)
for e in merged.get("elements", []):
    if e.get("parent") and e["parent"] not in ids:
        ok = False
        print(f"element {e['id']}: parent {e['parent']} does not exist")
dept = {d["id"] for d in merged.get("departments", [])}
for e in merged.get("elements", []):
    for d in e.get("departments", []):
        if d not in dept:
            ok = False
            print(f"element {e['id']}: department {d} not declared")
for i in merged.get("indicators", []):
    if i.get("element") and i["element"] not in ids:
        ok = False
        print(f"indicator {i['id']}: element {i['element']} does not exist")
print("OK" if ok else "PROBLEMS FOUND")
sys.exit(0 if ok else 1)
