"""Fixtures for retrieval tests: a small knowledge base in tmp_path and a fake encoder."""

from __future__ import annotations

import hashlib
import os
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from retrieval.normalize import normalize_text

REPO_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"

FAKE_DIM = 64

PLAN = """\
---
id: demo-plan
title: 示例区知识产权强区建设工作方案（2024-2026年）
issuer: 示例区人民政府
number: 示府发〔2024〕9号
date: 2024-03-15
source_url: ""
status: current
---
<!-- fixture written for tests, shaped like a Chinese policy document -->
# 示例区人民政府文件

示府发〔2024〕9号

# 示例区知识产权强区建设工作方案（2024-2026年）

为做好本区知识产权工作，结合实际，制定本方案。

## 一、工作目标

通过三年建设，本区知识产权能力明显提升。具体表现在：

（一）创造能力进一步提高。每万人有效发明专利拥有量达 145 件。全区商标有效注册量达 10 万件。

（二）运用效益进一步提升。技术合同累计成交额达到 500 亿，国际标准（ISO56005）贯彻取得成效。

## 二、重点任务

### （一）推进高质量创造

1.提升创造质量。实施高价值专利升级培育项目，鼓励企业布局 **PCT** 专利。

2.推动商标品牌发展。充分发挥10个商标品牌指导站作用，服务园区企业。

### （二）提升运用效益

6.推进知识产权金融服务。鼓励企业开展知识产权质押融资，对符合条件的企业给予贷款利率 50% 的贴息。

7.优化运营服务体系。{long}

---

抄送：区各部门。
"""

LONG_SENTENCES = [
    f"第{n}项措施要求相关单位按照职责分工推进知识产权运营服务体系建设并定期报告进展。" for n in range(1, 13)
]

RULES = """\
rules:
  - id: demo-2021-patent-grant
    title: 2021年度示例区国内发明专利授权资助
    category: 专利资助
    level: 示例区
    eligible: 注册和税务登记均在本区的企业
    funded: 国内发明专利授权
    rate_and_cap: 不超过官方费用的50%，每件最高1500元
    period: 2021年度
    source: 关于开展2021年度示例区专利资助的通知
    source_date: 2022-03-03
    status: historical
  - id: demo-pledge-subsidy
    title: 示例区知识产权质押贷款贴息
    category: 质押融资
    level: 示例区
    rate_and_cap: 按贷款利率的50%给予贴息
    source: 示府发〔2024〕9号
    source_date: "2024-03-15"
    status: current
"""

STATIONS = """\
stations:
  - id: demo-transfer-center
    name: 示例技术转移中心
    type: tech_transfer
    services: [技术转移对接, 专利路演]
    address: 示例路1号
    phone: 021-35363288
    whole_district: true
    source: 公开名录
    source_date: "2021"
    status: current
    verified: true
  - id: demo-tm-station
    name: 商标品牌指导站（大创智）
    type: trademark_station
    services: [商标注册咨询]
    parks: [大创智]
    streets: [五角场街道]
    source: 演示数据
    source_date: 未注明
    status: unknown
    demo: true
"""

LOCATIONS = """\
streets:
  - name: 五角场街道
    code: "310110019"
    aliases: [五角场]
  - name: 殷行街道
    code: "310110016"
    aliases: []
parks:
  - name: 大创智
    street: 五角场街道
    aliases: [创智天地]
"""

FAQ = """\
faq:
  - id: demo-hotline
    question: 12330是什么电话？
    alternatives: [知识产权举报电话是多少]
    answer: 12330是全国知识产权维权援助和举报投诉热线。
    source: 示例来源
    source_date: 2018-05
    status: current
"""

USERDICT = "商标品牌指导站 20 n\n质押融资 20 n\n杨小知 20 nz\n"


def write_knowledge(root: Path, long_text: str | None = None) -> Path:
    """Write the fixture knowledge base into root and return it."""
    (root / "documents").mkdir(parents=True, exist_ok=True)
    long = long_text if long_text is not None else "".join(LONG_SENTENCES)
    (root / "documents" / "demo-plan.md").write_text(PLAN.format(long=long), encoding="utf-8")
    for name, text in {
        "rules.yml": RULES,
        "stations.yml": STATIONS,
        "locations.yml": LOCATIONS,
        "faq.yml": FAQ,
        "userdict.txt": USERDICT,
    }.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    shutil.copy(REPO_KNOWLEDGE / "station_types.yml", root / "station_types.yml")  # the types as shipped
    return root


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A valid fixture knowledge base in tmp_path/knowledge."""
    return write_knowledge(tmp_path / "knowledge")


class FakeEncoder:
    """Hashes character unigrams and bigrams into a small unit vector (same protocol as e5)."""

    def __init__(self, model_id: str = "fake-encoder", fingerprint: str = "fake-v1") -> None:
        self.model_id = model_id
        self.fingerprint = fingerprint
        self.document_calls = 0

    def _vector(self, text: str) -> np.ndarray:
        text = normalize_text(text)
        vec = np.zeros(FAKE_DIM, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.strip():
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
                vec[h % FAKE_DIM] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        self.document_calls += 1
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    """A deterministic encoder that needs no model."""
    return FakeEncoder()


@pytest.fixture(scope="session")
def real_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline e5 folder: IPGP_MODEL_DIR if set (built there if missing), else a temp build."""
    from retrieval.e5_model import build_model

    target = os.environ.get("IPGP_MODEL_DIR")
    out = Path(target) if target else tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return build_model(out)
