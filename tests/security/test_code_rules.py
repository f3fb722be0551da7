"""Static rules over the code: SQL only with bound parameters, no secret literals, no unsafe loaders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "retrieval", "actions", "bench")
RUNTIME = ("service", "retrieval", "actions")
RULES = {
    "SQL built from a formatted string": re.compile(
        r"\b(execute|exec_driver_sql|text)\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format\())", re.IGNORECASE
    ),
    "yaml.load without a safe loader": re.compile(r"yaml\.load\((?!.*Loader=)"),
    "pickle or marshal of untrusted data": re.compile(r"\b(pickle|marshal)\.loads?\("),
    "shell=True": re.compile(r"shell\s*=\s*True"),
    "a hard-coded WeChat secret or key": re.compile(
        r"(app_secret|encoding_aes_key|secret_key)\s*[:=]\s*[\"'][^\"']{8,}"
    ),
    "an XML parser that resolves entities": re.compile(
        r"(xml\.etree\.ElementTree|lxml\.etree|minidom)\.(parse|fromstring)\("
    ),
}


def python_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_no_code_breaks_the_rule(rule: str) -> None:
    pattern = RULES[rule]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_rules_catch_what_they_describe() -> None:
    assert RULES["SQL built from a formatted string"].search('connection.execute(text(f"SELECT * FROM {t}"))')
    assert RULES["SQL built from a formatted string"].search(
        "cursor.execute('DELETE FROM x WHERE id=%s' % i)"
    )
    assert not RULES["SQL built from a formatted string"].search(
        'execute(text("SELECT 1 WHERE a = :a"), {"a": 1})'
    )
    assert RULES["yaml.load without a safe loader"].search("yaml.load(stream)")
    assert not RULES["yaml.load without a safe loader"].search("yaml.load(text, Loader=_DataLoader)")


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, by its dotted name (relative imports resolved against the file)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = (
                ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            )
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def imports_of(files: list[Path], package: str) -> list[str]:
    """`file: module` for every import of `package` or one of its modules by the files."""
    return [
        f"{path.relative_to(ROOT)}: {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if module == package or module.startswith(f"{package}.")
    ]


def test_the_admin_imports_nothing_from_the_gateway_routers() -> None:
    admin = sorted((ROOT / "service" / "admin").rglob("*.py"))
    found = imports_of(admin, "service.routers")
    assert admin and not found, "\n".join(found)


def test_no_runtime_package_imports_the_tooling() -> None:
    """A production install can leave `bench/` out: service, retrieval and actions never import it."""
    files = sorted(path for package in RUNTIME for path in (ROOT / package).rglob("*.py"))
    found = imports_of(files, "bench")
    assert files and not found, "\n".join(found)


def test_the_tooling_lives_only_in_bench() -> None:
    moved = ("service/load", "service/bench_webhook.py", "service/evaluate.py", "retrieval/benchmark.py",
             "retrieval/bench_model.py")
    assert not [name for name in moved if (ROOT / name).exists()]


def test_no_admin_route_module_imports_another() -> None:
    routes = ROOT / "service" / "admin" / "routes"
    modules = {f"service.admin.routes.{path.stem}" for path in routes.glob("*.py") if path.stem != "__init__"}
    found = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted(routes.glob("*.py"))
        if path.stem != "__init__"
        for module in sorted(imported_modules(path) & modules)
    ]
    assert len(modules) >= 9 and not found, "\n".join(found)


def test_the_import_reader_sees_absolute_and_relative_imports(tmp_path: Path) -> None:
    file = tmp_path / "service" / "admin" / "routes" / "example.py"
    file.parent.mkdir(parents=True)
    file.write_text(
        "import service.routers.web\nfrom service.routers import chat\nfrom . import users\n"
        "from ..editing import save_new\nfrom bench.stats import percentile\n",
        encoding="utf-8",
    )
    found = imported_modules(file, tmp_path)
    assert {"service.routers.web", "service.routers.chat", "service.admin.routes.users"} <= found
    assert "service.admin.editing.save_new" in found
    assert "bench.stats" in found


def test_where_knowledge_and_index_live_is_declared_once() -> None:
    found = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and "model_config" in ast.unparse(node):  # settings
                for field in node.body:
                    target = field.target if isinstance(field, ast.AnnAssign) else None
                    if isinstance(target, ast.Name) and target.id in ("knowledge_dir", "index_dir"):
                        found.append((target.id, str(path.relative_to(ROOT)), node.name))
    assert sorted(found) == [
        ("index_dir", "retrieval/settings.py", "KnowledgePaths"),
        ("knowledge_dir", "retrieval/settings.py", "KnowledgePaths"),
    ]
