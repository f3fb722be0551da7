"""Seeding, export round trip, the command line, migrations and document uploads (MD, TXT, DOCX, PDF)."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from alembic import command
from retrieval.distribution import METADATA as DISTRIBUTION_METADATA
from retrieval.knowledge import KnowledgeBase, load_knowledge
from service.admin.__main__ import main as cli
from service.admin.db import alembic_config, make_engine, migrate
from service.admin.files import export, seed_entries
from service.admin.models import AdminBase
from service.admin.settings import AdminConfigError, AdminSettings
from service.admin.state import AdminState
from service.admin.store import KnowledgeStore
from service.settings import Settings
from tests.service.test_admin_helpers import Staff, write_knowledge

pytest_plugins = ["tests.service.test_admin_helpers"]

REPO_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
SCHEMA = [AdminBase.metadata, DISTRIBUTION_METADATA]  # what the migrations create


def same_content(a: KnowledgeBase, b: KnowledgeBase) -> None:
    for part in ("documents", "rules", "stations", "faq", "locations", "userdict"):
        assert getattr(a, part) == getattr(b, part), part


def seeded_store(tmp_path: Path, source: Path) -> KnowledgeStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    migrate(engine)
    store = KnowledgeStore(engine)
    assert store.seed(seed_entries(load_knowledge(source))) > 0
    return store


@pytest.mark.parametrize("source", ["tiny", "shipped"])
def test_seed_then_export_gives_the_same_knowledge(tmp_path: Path, source: str) -> None:
    root = write_knowledge(tmp_path / "tiny") if source == "tiny" else REPO_KNOWLEDGE
    store = seeded_store(tmp_path, root)
    export(store, tmp_path / "out")
    same_content(load_knowledge(root), load_knowledge(tmp_path / "out"))
    export(store, tmp_path / "out")  # exporting twice gives identical bytes
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    export(store, tmp_path / "again")
    assert first == {p.name: p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}


def test_seeding_happens_only_once(tmp_path: Path, knowledge_dir: Path) -> None:
    store = seeded_store(tmp_path, knowledge_dir)
    assert store.seed(seed_entries(load_knowledge(knowledge_dir))) == 0
    assert len(store.entries("station")) == 2


def test_exported_draft_contains_edits_and_drops_deleted_entries(
    editor: Staff, state: AdminState, tmp_path: Path
) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    editor.put("/admin/api/stations/north-station", json={**current, "phone": "021-99998888"})
    editor.delete("/admin/api/stations/copyright-desk")
    state.export(tmp_path / "out")
    base = load_knowledge(tmp_path / "out")
    assert [(s.id, s.phone) for s in base.stations] == [("north-station", "021-99998888")]


def test_cli_creates_an_admin_and_exports(
    tmp_path: Path, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.admin.settings import get_admin_settings
    from service.settings import get_settings

    monkeypatch.setenv("IPGP_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IPGP_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("IPGP_ADMIN_PASSWORD", "a-long-enough-password")
    get_settings.cache_clear()
    get_admin_settings.cache_clear()
    try:
        assert cli(["create-admin", "chief"]) == 0
        assert cli(["create-admin", "chief"]) == 1  # already exists
        monkeypatch.setenv("IPGP_ADMIN_PASSWORD", "short")
        assert cli(["create-user", "newbie", "--role", "editor"]) == 1  # password too short
        assert cli(["export", str(tmp_path / "exported")]) == 0
    finally:
        get_settings.cache_clear()
        get_admin_settings.cache_clear()
    same_content(load_knowledge(knowledge_dir), load_knowledge(tmp_path / "exported"))
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'knowledge.db'}")
    store = KnowledgeStore(engine)
    from service.admin.auth import Accounts

    users = Accounts(engine, "x").users()
    assert [(u.username, u.role) for u in users] == [("chief", "admin")]
    assert ("cli", "user_create") in [(r.actor, r.action) for r in store.audit_log()]


def test_migration_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": "admin_alembic_version"})
        diff = compare_metadata(context, SCHEMA)  # type: ignore[arg-type]
    assert diff == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "kb_entities",
        "kb_versions",
        "admin_users",
        "admin_sessions",
        "admin_audit",
        "admin_publishes",
        "index_archives",
        "index_live",
        "admin_alembic_version",
    } <= tables
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"admin_alembic_version"}
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == tables


def test_default_or_short_secrets_are_refused_outside_development() -> None:
    production = Settings(env="production", secret_key="x" * 40)
    AdminSettings().check(production)
    with pytest.raises(AdminConfigError):
        AdminSettings(session_secret="dev-secret-change-me").check(production)
    with pytest.raises(AdminConfigError):
        AdminSettings(session_secret="short").check(production)
    AdminSettings().check(Settings())  # development may use the default
    assert AdminSettings().secure_cookies(production) is True
    assert AdminSettings().secure_cookies(Settings()) is False


# ---- uploads ---------------------------------------------------------------------------------


def upload(staff: Staff, name: str, data: bytes, **fields: str) -> dict[str, Any]:
    response = staff.post("/admin/api/documents/upload", files={"file": (name, data)}, data=fields)
    return {"status": response.status_code, **response.json()}


def test_markdown_upload_uses_its_front_matter(editor: Staff) -> None:
    front = "id: uploaded-md\ntitle: 上传的文件\nnumber: 杨知〔2025〕1号\ndate: 2025-01-02"
    text = f"---\n{front}\n---\n# 标题\n\n正文内容。\n"
    result = upload(editor, "plan.md", text.encode())
    assert result["status"] == 201, result
    assert result["data"]["number"] == "杨知〔2025〕1号" and result["data"]["date"] == "2025-01-02"
    assert result["data"]["body"] == "# 标题\n\n正文内容。"


def test_txt_upload_in_gbk_with_form_metadata(editor: Staff) -> None:
    result = upload(
        editor, "notice.txt", "通知正文：专利资助。".encode("gb18030"), id="gbk-notice", title="通知"
    )
    assert result["status"] == 201 and result["data"]["body"] == "通知正文：专利资助。"


def test_docx_upload_is_converted_with_headings(editor: Staff) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("第一章 总则", level=1)
    document.add_paragraph("企业可申请质押贷款贴息。")
    buffer = io.BytesIO()
    document.save(buffer)
    result = upload(editor, "rules.docx", buffer.getvalue(), id="docx-rules", title="办法")
    assert result["status"] == 201, result
    assert result["data"]["body"] == "# 第一章 总则\n\n企业可申请质押贷款贴息。"


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of Latin text (Helvetica)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_pdf_upload_is_converted(editor: Staff) -> None:
    pytest.importorskip("pypdf")
    result = upload(editor, "scan.pdf", minimal_pdf("Patent subsidy rules 2024"), id="pdf-doc", title="PDF")
    assert result["status"] == 201, result
    assert "Patent subsidy rules 2024" in result["data"]["body"]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("virus.exe", b"MZ", "不支持的文件类型"),
        ("empty.txt", b"   \n", "没有可提取的文字"),
        ("fake.pdf", b"not a pdf", "不是有效的 PDF"),
        ("fake.docx", b"not a zip", "不是有效的 DOCX"),
        ("big.txt", b"a" * (5 * 1024 * 1024 + 1), "文件过大"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(editor: Staff, name: str, data: bytes, words: str) -> None:
    result = upload(editor, name, data, id="bad-upload", title="坏文件")
    assert result["status"] == 422 and words in result["errors"]["file"], result


def test_upload_metadata_is_validated_and_existing_ids_need_replace(editor: Staff) -> None:
    untitled = upload(editor, "a.txt", "正文".encode())  # too short to be a title: nothing to propose
    assert untitled["status"] == 422 and untitled["errors"]["title"] == "标题：必填"
    assert untitled["errors"]["id"] == "编号：必填"
    assert upload(editor, "a.txt", "正文".encode(), id="demo-plan", title="重复")["status"] == 422
    replaced = upload(editor, "a.txt", "新正文".encode(), id="demo-plan", title="替换", replace="true")
    assert replaced["status"] == 201 and replaced["version"] == 2 and replaced["data"]["body"] == "新正文"


def signed_notice_docx() -> bytes:
    """An official notice as district staff receive it: heading first, 文号, text, signature and date."""
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("关于开展2025年度杨浦区专利资助工作的通知", level=1)
    lines = ("杨知〔2025〕3号", "各有关单位：", "请于2025年12月31日前申报。", "上海市杨浦区知识产权局")
    for line in (*lines, "2025年3月12日"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PROPOSED = {
    "title": "关于开展2025年度杨浦区专利资助工作的通知",
    "number": "杨知〔2025〕3号",
    "date": "2025-03-12",  # the signature's date, not the deadline in the text
    "issuer": "上海市杨浦区知识产权局",
    "id": "guanyu-kaizhan-2025-niandu-yangpuqu-zhuanli",  # pinyin of the title
}


def test_a_word_file_proposes_its_title_number_date_and_issuer(editor: Staff) -> None:
    inspected = editor.post(
        "/admin/api/documents/inspect", files={"file": ("notice.docx", signed_notice_docx())}
    )
    assert inspected.status_code == 200, inspected.text
    assert inspected.json()["proposed"] == PROPOSED
    assert editor.get(f"/admin/api/documents/{PROPOSED['id']}").status_code == 404  # nothing stored yet
    result = upload(editor, "notice.docx", signed_notice_docx())  # no field typed: no "标题：必填"
    assert result["status"] == 201, result
    assert result["key"] == PROPOSED["id"]
    assert {k: result["data"][k] for k in ("title", "number", "date", "issuer")} == {
        k: PROPOSED[k] for k in ("title", "number", "date", "issuer")
    }
    again = upload(editor, "notice.docx", signed_notice_docx())  # a second copy gets a free id
    assert again["status"] == 201 and again["key"] == PROPOSED["id"] + "-2"


def test_typed_fields_win_over_what_the_file_says(editor: Staff) -> None:
    result = upload(editor, "notice.docx", signed_notice_docx(), title="专利资助通知", date="2025-03-20")
    assert result["status"] == 201, result
    assert (result["key"], result["data"]["title"]) == ("zhuanli-zizhu-tongzhi", "专利资助通知")
    assert (result["data"]["date"], result["data"]["number"]) == ("2025-03-20", "杨知〔2025〕3号")


def test_new_entries_get_an_id_from_their_title(editor: Staff) -> None:
    proposed = editor.get("/admin/api/slug", params={"kind": "faq", "title": "质押贷款有贴息吗？"}).json()
    assert proposed == {"id": "zhiya-daikuan-you-tiexi-ma"}
    faq = {"question": "质押贷款有贴息吗？", "answer": "有。", "source": "示例", "source_date": "2024"}
    faq["status"] = "current"
    created = editor.post("/admin/api/faq", json=faq)
    assert created.status_code == 201 and created.json()["key"] == "zhiya-daikuan-you-tiexi-ma"
    taken = editor.get("/admin/api/slug", params={"kind": "faq", "title": "质押贷款有贴息吗？"}).json()
    assert taken == {"id": "zhiya-daikuan-you-tiexi-ma-2"}
    terms = editor.get("/admin/api/slug", params={"kind": "term", "title": "贴息"})
    assert terms.status_code == 422 and "不由标题生成" in terms.json()["detail"]


POSTGRES_URL = os.environ.get("IPGP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A private schema in the local PostgreSQL (skipped when none is reachable)."""
    schema = f"admin_test_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(POSTGRES_URL)
    try:
        with admin_engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError:
        pytest.skip("no PostgreSQL at " + POSTGRES_URL)
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin_engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


def test_store_works_on_postgresql(postgres_engine: Engine, knowledge_dir: Path, tmp_path: Path) -> None:
    migrate(postgres_engine)
    store = KnowledgeStore(postgres_engine)
    assert store.seed(seed_entries(load_knowledge(knowledge_dir))) > 0
    entry = store.get("station", "north-station")
    store.update("station", "north-station", {**entry.data, "phone": "021-12121212"}, "tester")
    store.delete("station", "copyright-desk", "tester")
    seed_version = store.versions(key="north-station")[-1]
    store.restore(seed_version.id, "tester")
    export(store, tmp_path / "out")
    base = load_knowledge(tmp_path / "out")
    assert [(s.id, s.phone) for s in base.stations] == [("north-station", "021-11112222")]
    with postgres_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": "admin_alembic_version"})
        assert compare_metadata(context, [AdminBase.metadata, DISTRIBUTION_METADATA]) == []  # type: ignore[arg-type]
