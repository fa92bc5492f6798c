"""The layering rules of the README's Architecture section, checked on the source tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("core", "accounts", "prizes", "judging", "voting", "reports")
# Files allowed past ~400 lines, each with its reason in the README ("Where is…?").
LONG_FILES = {
    "judging/rules.py",
    "core/mail.py",
    "voting/tallies.py",
}


def _sources(*packages: str) -> list[Path]:
    return [p for package in packages for p in sorted((ROOT / package).rglob("*.py"))]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def test_only_the_nominations_service_writes_a_projects_status():
    writes = re.compile(r"Nomination\.status\s*:|UPDATE\s+nomination\b[^;]*\bstatus\b", re.I | re.S)
    offenders = [str(p.relative_to(ROOT)) for p in _sources(*DOMAINS) + [ROOT / "main.py", ROOT / "cli.py"]
                 if writes.search(p.read_text(encoding="utf-8"))
                 and p.relative_to(ROOT).as_posix() != "prizes/nominations/services.py"]
    assert offenders == []


def test_the_status_check_would_see_a_write():
    sample = 'await Nomination.update({Nomination.status: "finalist"})'
    assert re.search(r"Nomination\.status\s*:", sample)


def test_core_imports_no_domain():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if _top(m) in DOMAINS[1:])
                 for p in _sources("core")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_prizes_reads_neither_judging_nor_voting_nor_reports():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if _top(m) in ("judging", "voting", "reports"))
                 for p in _sources("prizes")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_judging_and_voting_do_not_read_each_other_or_reports():
    offenders = {}
    for package, forbidden in (("judging", ("voting", "reports")), ("voting", ("judging", "reports")),
                               ("accounts", ("prizes", "judging", "voting", "reports"))):
        for p in _sources(package):
            bad = sorted(m for m in _imports(p) if _top(m) in forbidden)
            if bad:
                offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}


def test_within_a_domain_tables_and_rules_import_no_service_query_or_controller():
    offenders = {}
    for p in _sources(*DOMAINS[1:]):
        if p.stem not in ("tables", "rules", "labels"):
            continue
        bad = sorted(m for m in _imports(p)
                     if m.split(".")[-1] in ("services", "queries", "api", "pages", "controllers", "schemas"))
        if bad:
            offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}


def test_bench_modules_cannot_shadow_a_package_when_run_as_scripts():
    tops = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} | {"main", "cli", "piccolo_conf"}
    assert {p.stem for p in (ROOT / "bench").glob("*.py")} & tops == set()


def test_every_file_is_under_400_lines_unless_the_readme_says_why():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    long = sorted(p.relative_to(ROOT).as_posix() for p in _sources(*DOMAINS) + [ROOT / "main.py", ROOT / "cli.py"]
                  if len(p.read_text(encoding="utf-8").splitlines()) > 400)
    assert [f for f in long if f not in LONG_FILES] == []
    assert [f for f in LONG_FILES if f"`{f}`" not in readme] == []


def test_path_and_query_integers_use_the_bounded_types_of_core_schemas():
    """`FromPath[int]` / `FromQuery[int]` accept integers no database column holds (a 500);
    `core.schemas` has `Year`, `YearQuery`, `Offset`, `Limit`, `PageNumber`, `Count`."""
    bare = re.compile(r"From(Path|Query)\[int\b")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in _sources(*DOMAINS) if p.name != "schemas.py"
                 for n, line in enumerate(p.read_text().splitlines(), 1) if bare.search(line)]
    assert offenders == []


def test_the_staff_console_is_read_by_none_and_its_role_files_import_only_from_their_left():
    """`reports/console/` (the dashboard, People, the audit log in words) reads every domain;
    only main.py wires it. Inside it: rules → labels → queries → api / pages / people."""
    readers = sorted(str(p.relative_to(ROOT)) for p in _sources(*DOMAINS) + [ROOT / "cli.py"]
                     if "reports/console" not in p.as_posix()
                     and any(m.startswith("reports.console") for m in _imports(p)))
    assert readers == []
    order = ["rules", "labels", "queries", "api", "pages", "people"]
    offenders = {}
    for p in sorted((ROOT / "reports" / "console").glob("*.py")):
        if p.stem not in order:
            continue
        rank = order.index(p.stem)
        bad = [m for m in _imports(p) if m.startswith("reports.console.")
               and m.split(".")[-1] in order and order.index(m.split(".")[-1]) >= min(rank, 3)]
        if bad:
            offenders[p.stem] = bad
    assert offenders == {}
