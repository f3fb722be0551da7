"""`rasa train` without work that does not change the trained model.

Runs in the Rasa environment: `.venv-rasa/bin/python -m service.rasa_training train --force …` (the Makefile).
`make` decides when to retrain and passes `--force`, and with `--force` Rasa never reads its training cache;
it still fingerprints every component's output and writes it to `.rasa/cache` inside the clone. A py-spy
profile of `rasa train` put that fingerprinting at 11% of its samples (about 10 s of one core on this
machine). Here the cache is off unless RASA_MAX_CACHE_SIZE says otherwise (Rasa's own setting), and with
the cache off `TrainingHook` neither fingerprints nor caches.

DIET's batch generator turns each batch's sparse features into index arrays with one `np.vstack` per
example (another 12% of the samples, on the thread that feeds TensorFlow); here the same arrays come from
one concatenation per batch.

DIET's CRF loss (Rasa's copy of TensorFlow Addons' CRF) wraps its sequence score and its normaliser in
`tf.cond(longest sequence == 1 token, ...)`. The other branch gives the same values for such a batch
(`crf_forward` keeps the first state for one-token sequences). Here the loss takes that branch always.
Building the gradients of the CRF's conds (these and the decoding's, below) was 57% of the samples
TensorFlow spent tracing DIET's train step.

Each train step also decodes the entity tags (for the F1 shown in the progress bar) with another `tf.cond`,
recorded on the gradient tape, so TensorFlow built that cond's gradient functions too, although the decoded
tags never reach the loss. Here the decoding is not recorded.

None of the four patches changes what is trained: on a given machine the trained weights are the same bytes
as Rasa's own (BENCHMARKS.md; the bytes differ between CPUs), and tests/service/test_rasa_training.py compares
each patch with Rasa's original.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from service.rasa_entry import block_unused_imports

CACHE_SIZE_ENV = "RASA_MAX_CACHE_SIZE"  # rasa.engine.caching.CACHE_SIZE_ENV; 0 turns the cache off
_installed: set[str] = set()


def install_cacheless_hooks() -> None:
    """With the training cache off, skip TrainingHook's fingerprints (used by the cache only)."""
    from rasa.engine.training.hooks import TrainingHook

    if "hooks" in _installed:
        return
    before, after = TrainingHook.on_before_node, TrainingHook.on_after_node

    def on_before_node(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if self._cache._is_disabled():
            return {}
        return before(self, *args, **kwargs)

    def on_after_node(self: Any, *args: Any, **kwargs: Any) -> None:
        if self._cache._is_disabled():
            return None
        return after(self, *args, **kwargs)

    TrainingHook.on_before_node = on_before_node
    TrainingHook.on_after_node = on_after_node
    _installed.add("hooks")


def install_concatenated_sparse_batches() -> None:
    """Same index, value and shape arrays as RasaDataGenerator._scipy_matrix_to_values, built per batch."""
    from rasa.utils.tensorflow.data_generator import RasaDataGenerator

    if "sparse_batches" in _installed:
        return
    original = RasaDataGenerator._scipy_matrix_to_values

    def _scipy_matrix_to_values(array_of_sparse: Any) -> list[Any]:
        if array_of_sparse.number_of_dimensions == 4:  # dialogue features: not used by DIET
            return original(array_of_sparse)
        return sparse_batch_values(array_of_sparse)

    RasaDataGenerator._scipy_matrix_to_values = staticmethod(_scipy_matrix_to_values)
    _installed.add("sparse_batches")


def sparse_batch_values(matrices: Any) -> list[Any]:
    """[indices (example, row, column) as int64, values as float32, dense shape as int64] of a batch of
    scipy matrices (one per example, rows = tokens), in the order Rasa's generator gives them."""
    import numpy as np

    coo = [matrix.tocoo() for matrix in matrices]  # tocoo() of a coo_matrix is the matrix itself
    examples = np.repeat(np.arange(len(coo), dtype=np.int64), [len(matrix.row) for matrix in coo])
    rows, columns = np.concatenate([m.row for m in coo]), np.concatenate([m.col for m in coo])
    indices = np.stack([examples, rows.astype(np.int64), columns.astype(np.int64)], axis=1)
    values = np.concatenate([matrix.data for matrix in coo]).astype(np.float32)
    shape = np.array((len(coo), max(matrix.shape[0] for matrix in coo), coo[0].shape[-1]), dtype=np.int64)
    return [indices, values, shape]


def install_unbranched_crf_loss() -> None:
    """DIET's CRF loss without `tf.cond` on "is the longest sequence one token long" (see the module doc)."""
    import tensorflow as tf
    from rasa.utils.tensorflow import crf

    if "crf" in _installed:
        return

    def crf_sequence_score(inputs: Any, tag_indices: Any, sequence_lengths: Any, transitions: Any) -> Any:
        tag_indices = tf.cast(tag_indices, dtype=tf.int32)
        sequence_lengths = tf.cast(sequence_lengths, dtype=tf.int32)
        unary = crf.crf_unary_score(tag_indices, sequence_lengths, inputs)
        return unary + crf.crf_binary_score(tag_indices, sequence_lengths, transitions)

    def crf_log_norm(inputs: Any, sequence_lengths: Any, transition_params: Any) -> Any:
        sequence_lengths = tf.cast(sequence_lengths, dtype=tf.int32)
        first = tf.squeeze(tf.slice(inputs, [0, 0, 0], [-1, 1, -1]), [1])
        rest = tf.slice(inputs, [0, 1, 0], [-1, -1, -1])
        log_norm = tf.reduce_logsumexp(crf.crf_forward(rest, first, transition_params, sequence_lengths), [1])
        return tf.where(tf.less_equal(sequence_lengths, 0), tf.zeros_like(log_norm), log_norm)

    crf.crf_sequence_score = crf_sequence_score  # looked up by crf.crf_log_likelihood when it runs
    crf.crf_log_norm = crf_log_norm
    _installed.add("crf")


def install_unrecorded_crf_decode() -> None:
    """Decode DIET's entity tags outside the gradient tape during training (see the module doc)."""
    from rasa.utils.tensorflow import crf
    from tensorflow.python.eager import tape  # stop_recording(): stops every tape on this thread

    if "crf_decode" in _installed:
        return
    decode = crf.crf_decode

    def crf_decode(*args: Any, **kwargs: Any) -> Any:
        with tape.stop_recording():
            return decode(*args, **kwargs)

    crf.crf_decode = crf_decode  # looked up by the CRF layer's call when it runs
    _installed.add("crf_decode")


def main() -> None:
    os.environ.setdefault(CACHE_SIZE_ENV, "0")
    block_unused_imports()
    from rasa.__main__ import main as rasa_main

    install_cacheless_hooks()
    install_concatenated_sparse_batches()
    install_unbranched_crf_loss()
    install_unrecorded_crf_decode()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
