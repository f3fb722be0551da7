"""Admin test fixtures (loaded with `pytest_plugins`): tiny knowledge base, fake encoder, staff."""

from __future__ import annotations

import hashlib
import shutil
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import admin
from service.admin.settings import AdminSettings
from service.admin.state import AdminState
from service.main import create_app
from service.settings import Settings

REPO_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"

PASSWORD = "correct-horse-battery"
DIM = 256


class FakeEncoder:
    """Character unigram + bigram hashing: similar texts get similar vectors; no model needed."""

    model_id = "fake-hash-encoder"
    fingerprint = "fake-hash-encoder-v1"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(DIM, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.strip():
                vector[int(hashlib.md5(gram.encode()).hexdigest()[:8], 16) % DIM] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        return self.encode_queries(texts)


FAKE_ENCODER = FakeEncoder()
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # still argon2id

DOCUMENT = """\
---
id: demo-plan
title: 杨浦区示例工作方案
issuer: 示例区政府
number: 示发〔2024〕1号
date: 2024-03-15
source_url: ""
status: current
---
# 示例工作方案

一、总体要求

推进知识产权强区建设，完善公共服务体系。

二、主要任务

（一）推进知识产权金融服务。对符合条件的企业给予质押贷款贴息。
"""

RULES = """\
rules:
  - id: pledge-subsidy
    title: 质押贷款贴息
    category: 质押融资
    level: 杨浦区
    rate_and_cap: 按贷款利率的50%给予贴息
    source: 示发〔2024〕1号
    source_date: "2024-03-15"
    status: current
  - id: patent-2021
    title: 2021年度专利资助
    category: 专利资助
    level: 杨浦区
    period: 2021年度
    source: 示例资助办法
    source_date: "2021"
    status: historical
"""

STATIONS = """\
stations:
  - id: north-station
    name: 北区商标品牌指导站
    type: trademark_station
    services: [商标注册咨询, 商标维权]
    address: 示例路1号
    phone: 021-11112222
    streets: [五角场街道]
    parks: [示例园区]
    source: 示例名录
    source_date: "2023-06-14"
    status: current
    verified: true
  - id: copyright-desk
    name: 版权工作站
    type: copyright_station
    services: [版权登记]
    whole_district: true
    source: 示例名录
    source_date: 未注明
    status: unknown
"""

LOCATIONS = """\
streets:
  - name: 五角场街道
    code: "310110020"
    aliases: [五角场]
  - name: 殷行街道
    code: "310110016"
    aliases: [殷行]
parks:
  - name: 示例园区
    street: 五角场街道
    aliases: [示例园]
"""

FAQ = """\
faq:
  - id: pledge-faq
    question: 质押贷款有贴息吗？
    alternatives: [质押融资贴息]
    answer: 有，按贷款利率的50%给予贴息。
    source: 示发〔2024〕1号
    source_date: "2024-03-15"
    status: current
"""

USERDICT = "质押融资 20000 n\n商标品牌指导站 20000 nt\n贴息\n"


def write_knowledge(root: Path) -> Path:
    """A tiny but complete knowledge base in the knowledge/ formats."""
    (root / "documents").mkdir(parents=True)
    (root / "documents" / "demo-plan.md").write_text(DOCUMENT, encoding="utf-8")
    for name, text in (
        ("rules.yml", RULES),
        ("stations.yml", STATIONS),
        ("locations.yml", LOCATIONS),
        ("faq.yml", FAQ),
        ("userdict.txt", USERDICT),
    ):
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    shutil.copy(REPO_KNOWLEDGE / "station_types.yml", root / "station_types.yml")  # the types as shipped
    return root


@dataclass
class Staff:
    """A logged-in client and its CSRF header."""

    client: TestClient
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.client.post(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.client.put(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.client.patch(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.client.delete(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    return write_knowledge(tmp_path / "knowledge")


@pytest.fixture
def admin_app(tmp_path: Path, knowledge_dir: Path) -> FastAPI:
    settings = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1)
    admin_settings = AdminSettings(
        knowledge_dir=knowledge_dir, max_failed_logins=3, smoke_questions=["质押贷款贴息"]
    )
    app = create_app(settings)
    admin.install(app, settings, admin_settings, encoder=lambda: FAKE_ENCODER, hasher=FAST_HASHER)
    return app


@pytest.fixture
def admin_client(admin_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(admin_app, base_url="http://testserver") as test_client:
        state: AdminState = admin_app.state.admin
        state.accounts.create_user("boss", PASSWORD, "admin")
        state.accounts.create_user("editor", PASSWORD, "editor")
        yield test_client


def login(app: FastAPI, username: str) -> Staff:
    test_client = TestClient(app, base_url="http://testserver")
    response = test_client.post("/admin/api/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Staff(test_client, response.json()["csrf_token"])


@pytest.fixture
def boss(admin_client: TestClient, admin_app: FastAPI) -> Staff:
    return login(admin_app, "boss")


@pytest.fixture
def editor(admin_client: TestClient, admin_app: FastAPI) -> Staff:
    return login(admin_app, "editor")


@pytest.fixture
def state(admin_client: TestClient, admin_app: FastAPI) -> AdminState:
    admin_state: AdminState = admin_app.state.admin
    return admin_state


STATION = {
    "id": "south-station",
    "name": "南区商标品牌指导站",
    "type": "trademark_station",
    "services": ["商标注册咨询"],
    "address": "示例路9号",
    "phone": "021-33334444",
    "streets": ["殷行街道"],
    "source": "示例名录",
    "source_date": "2024-05",
    "status": "current",
}
