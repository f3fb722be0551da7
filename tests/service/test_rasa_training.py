"""service.rasa_training: each patch gives what Rasa's original gives (checked in the Rasa venv)."""

from __future__ import annotations

import pytest

from tests.service.test_rasa_entry import needs_rasa, run_in_rasa_venv

# Batches of sparse features as DIET's generator slices them: one scipy matrix per example (rows are tokens),
# coo and csr, examples with no non-zero value, a batch of one.
COMPARE_SPARSE_BATCHES = """
import json, sys
import numpy as np, scipy.sparse
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.model_data import FeatureArray
from service import rasa_training

rng = np.random.default_rng(int(sys.argv[1]))
def example(kind):
    rows = int(rng.integers(1, 9))
    matrix = scipy.sparse.random(rows, 40, density=0 if kind == "empty" else 0.2, random_state=rng)
    return matrix.tocsr() if kind == "csr" else matrix.tocoo()
batches = [[example("coo") for _ in range(64)], [example("csr") for _ in range(30)],
           [example("coo"), example("empty"), example("coo")], [example("empty")], [example("coo")]]
original = RasaDataGenerator._scipy_matrix_to_values
rasa_training.install_concatenated_sparse_batches()
patched = RasaDataGenerator._scipy_matrix_to_values
assert patched is not original
same = []
for batch in batches:
    array = FeatureArray(np.array(batch + [None], dtype=object)[:-1], number_of_dimensions=3)
    before, after = original(array), patched(array)
    same.append([bool(np.array_equal(b, a)) and b.dtype == a.dtype and b.shape == a.shape
                 for b, a in zip(before, after)] + [len(before) == len(after) == 3])
print(json.dumps({"same": same, "nnz": [int(original(FeatureArray(np.array(b + [None], dtype=object)[:-1],
      number_of_dimensions=3))[1].size) for b in batches]}))
"""

# TrainingHook with the cache off and on: off, nothing is fingerprinted or cached; on, Rasa's own hook runs.
COMPARE_HOOKS = """
import json, os, sys
from rasa.engine import caching
from rasa.engine.training import fingerprinting, hooks
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from service import rasa_training

calls = []
real_key = fingerprinting.calculate_fingerprint_key
fingerprinting.calculate_fingerprint_key = lambda **kw: calls.append("key") or real_key(**kw)
rasa_training.install_cacheless_hooks()

class Cache:
    def __init__(self, disabled): self.disabled, self.cached = disabled, []
    def _is_disabled(self): return self.disabled
    def cache_output(self, **kw): self.cached.append(kw["fingerprint_key"])

class Node: uses = RegexFeaturizer
class Schema: nodes = {"n": Node}
class Context: graph_schema = Schema

result = {}
for disabled in (True, False):
    calls.clear()
    cache = Cache(disabled)
    hook = hooks.TrainingHook(cache=cache, model_storage=None, pruned_schema=Schema)
    data = hook.on_before_node("n", Context, {"a": 1}, {})
    hook.on_after_node("n", Context, {"a": 1}, {"x": 1}, data)
    seen = {"data": sorted(data), "calls": calls[:], "cached": len(cache.cached)}
    result["off" if disabled else "on"] = seen
print(json.dumps(result))
"""


@needs_rasa
@pytest.mark.parametrize("seed", [1, 2])
def test_concatenated_sparse_batches_are_the_arrays_rasa_builds(seed: int) -> None:
    result = run_in_rasa_venv(COMPARE_SPARSE_BATCHES, str(seed))
    assert all(all(flags) for flags in result["same"]), result["same"]
    assert result["nnz"][0] > 0 and result["nnz"][3] == 0  # a real batch and a batch with nothing in it


@needs_rasa
def test_with_the_cache_off_the_training_hook_does_no_fingerprinting() -> None:
    result = run_in_rasa_venv(COMPARE_HOOKS, "")
    assert result["off"] == {"data": [], "calls": [], "cached": 0}
    assert result["on"] == {"data": ["fingerprint_key"], "calls": ["key"], "cached": 1}


# main() with Rasa's command line replaced by a recorder: what Rasa's CLI would see when it starts.
ENTRY = """
import json, os, sys
import rasa.__main__
from rasa.engine.training.hooks import TrainingHook
from rasa.utils.tensorflow import crf
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from service import rasa_training

seen = {}
def record():
    seen.update(argv=sys.argv[:], cache=os.environ.get("RASA_MAX_CACHE_SIZE"),
                hook=TrainingHook.on_after_node.__module__, crf=crf.crf_log_norm.__module__,
                decode=crf.crf_decode.__module__,
                batches=RasaDataGenerator._scipy_matrix_to_values.__module__)
rasa.__main__.main = record
if sys.argv[1]:
    os.environ["RASA_MAX_CACHE_SIZE"] = sys.argv[1]
sys.argv = ["service/rasa_training.py", "train", "--force"]
rasa_training.main()
print(json.dumps(seen))
"""


@needs_rasa
@pytest.mark.parametrize(("given", "expected"), [("", "0"), ("500", "500")])
def test_training_entry_runs_rasas_command_line_patched_and_without_cache(given: str, expected: str) -> None:
    seen = run_in_rasa_venv(ENTRY, given)
    assert seen["argv"] == ["rasa", "train", "--force"]
    assert seen["cache"] == expected  # off unless Rasa's own setting says otherwise
    assert seen["hook"] == seen["batches"] == seen["crf"] == seen["decode"] == "service.rasa_training"


# Rasa's CRF log-likelihood and its gradients before and after the patch, for batches whose longest
# sequence is 1 token (the branch the patch drops), 2 and 7 tokens, with lengths 0 to the longest.
COMPARE_CRF = """
import json, sys
import numpy as np, tensorflow as tf
from rasa.utils.tensorflow import crf
from service import rasa_training

rng = np.random.default_rng(int(sys.argv[1]))
def case(longest):
    inputs = tf.constant(rng.normal(size=(6, longest, 5)), dtype=tf.float32)
    tags = tf.constant(rng.integers(0, 5, size=(6, longest)), dtype=tf.int32)
    lengths = tf.constant(rng.integers(0, longest + 1, size=6), dtype=tf.int32)
    transitions = tf.Variable(rng.normal(size=(5, 5)), dtype=tf.float32)
    return inputs, tags, lengths, transitions

def likelihood(inputs, tags, lengths, transitions):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(inputs)
        value, _ = crf.crf_log_likelihood(inputs, tags, lengths, transitions)
        total = tf.reduce_sum(value)
    zero = tf.UnconnectedGradients.ZERO  # with one token, Rasa's branch never reads the transitions
    gradients = [tape.gradient(total, x, unconnected_gradients=zero) for x in (inputs, transitions)]
    return [value.numpy()] + [gradient.numpy() for gradient in gradients]

cases = [case(longest) for longest in (1, 2, 7)]
before = [likelihood(*c) for c in cases]
rasa_training.install_unbranched_crf_loss()
after = [likelihood(*c) for c in cases]
equal = [[bool(np.array_equal(b, a)) for b, a in zip(bs, as_)] for bs, as_ in zip(before, after)]
print(json.dumps({"equal": equal, "finite": bool(all(np.isfinite(x).all() for xs in after for x in xs))}))
"""


@needs_rasa
@pytest.mark.parametrize("seed", [1, 2])
def test_crf_loss_without_the_branch_gives_rasas_values_and_gradients(seed: int) -> None:
    result = run_in_rasa_venv(COMPARE_CRF, str(seed))
    assert result["finite"]
    # the same bits: value, gradient for the unary potentials, gradient for the transitions
    assert result["equal"] == [[True, True, True]] * 3


# One train step of DIET's CRF layer, traced as Keras traces it: decode (for the F1), then the loss, under a
# gradient tape. Before and after the patch: the decoded tags, the loss and its gradients; and the outputs of
# the step's conditionals (`If` ops): a cond recorded on a tape also outputs what its gradient would need.
COMPARE_CRF_DECODE = """
import json, sys
import numpy as np, tensorflow as tf
from rasa.utils.tensorflow.layers import CRF
from service import rasa_training

rng = np.random.default_rng(int(sys.argv[1]))
tf.random.set_seed(1)
layer = CRF(num_tags=5, reg_lambda=0.001, scale_loss=False)
logits = tf.constant(rng.normal(size=(8, 6, 5)), dtype=tf.float32)
tags = tf.constant(rng.integers(0, 5, size=(8, 6)), dtype=tf.int32)
lengths = tf.constant(rng.integers(1, 7, size=8), dtype=tf.int32)

# shapes unknown when traced, as in DIET's train step (a known length would fold the conds away)
specs = [tf.TensorSpec([None, None, 5], tf.float32), tf.TensorSpec([None, None], tf.int32),
         tf.TensorSpec([None], tf.int32)]

def step(logits, tags, lengths):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        predicted, _ = layer(logits, lengths)
        loss = layer.loss(logits, tags, lengths)
    gradients = tape.gradient(loss, [logits, layer.transition_params])
    return [predicted, loss] + gradients

def cond_outputs(graph_def):
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    return sum(len(n.attr["Tout"].list.type) for n in nodes if n.op in ("If", "StatelessIf"))

def run():
    function = tf.function(step, input_signature=specs)
    values = [t.numpy() for t in function(logits, tags, lengths)]
    return values, cond_outputs(function.get_concrete_function().graph.as_graph_def())

layer(logits, lengths)  # the transitions are created before either trace

before, outputs_before = run()
rasa_training.install_unrecorded_crf_decode()
after, outputs_after = run()
equal = [bool(np.array_equal(b, a)) for b, a in zip(before, after)]
print(json.dumps({"equal": equal, "cond_outputs": [outputs_before, outputs_after]}))
"""


@needs_rasa
@pytest.mark.parametrize("seed", [1, 2])
def test_unrecorded_crf_decoding_keeps_the_tags_the_loss_and_its_gradients(seed: int) -> None:
    result = run_in_rasa_venv(COMPARE_CRF_DECODE, str(seed))
    assert result["equal"] == [True] * 4  # tags, loss, gradient for the logits, for the transitions
    before, after = result["cond_outputs"]
    assert after < before  # the decoding's cond no longer carries what a gradient would need
