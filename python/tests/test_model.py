"""Model.load / predict / unit_outputs / explain / attribute against the command line and
against the exact identities of the decomposition."""

import gzip

import numpy
import pytest

import explainn_rs as ex
from conftest import MODEL, SEQUENCES


@pytest.fixture(scope="module")
def model():
    return ex.Model.load(MODEL)


@pytest.fixture(scope="module")
def X(sequences):
    return ex.one_hot_encode([s for _, s in sequences])


def test_metadata(model):
    assert model.classes == ["both", "GATA", "TAL1"]
    assert model.input_length == 200
    assert model.arch == "explainn"
    assert model.trained_with_rc


def test_predict_equals_the_cli(model, X, sequences, cli, tmp_path):
    cli("predict", MODEL, SEQUENCES, "-o", tmp_path, "-q")
    with gzip.open(tmp_path / "predictions.tsv.gz", "rt") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    ids = [i for i, _ in sequences]
    want = numpy.zeros((len(ids), len(model.classes)))
    fwd = numpy.zeros_like(want)
    for seq_id, cls, forward, _reverse, mean, _max in rows:
        i, c = ids.index(seq_id), model.classes.index(cls)
        want[i, c], fwd[i, c] = float(mean), float(forward)
    got = model.predict(X)
    assert got.shape == want.shape and got.dtype == numpy.float32
    assert numpy.abs(got - want).max() < 1e-6
    assert numpy.abs(model.predict(X, forward_only=True) - fwd).max() < 1e-6


def test_activate_applies_the_output_function(model, X):
    logits = model.predict(X)
    assert numpy.allclose(model.predict(X, activate=True), 1 / (1 + numpy.exp(-logits)), atol=1e-6)


def test_contributions_add_up_to_the_logits(model, X):
    contributions, bias, logits = model.explain(X)
    n, c = logits.shape
    assert contributions.shape == (n, c, model.unit_outputs(X).shape[1])
    assert numpy.abs(contributions.sum(-1) + bias - logits).max() < 1e-4
    assert numpy.abs(logits - model.predict(X)).max() < 1e-6


def test_threads_do_not_change_results(model, X):
    one = model.predict(X, threads=1)
    assert numpy.array_equal(one, model.predict(X, threads=2))
    a1 = model.attribute(X[:3], target="GATA", threads=1)
    assert numpy.array_equal(a1, model.attribute(X[:3], target="GATA", threads=2))


def test_attributions_are_complete(model, X):
    # DeepLIFT against the all-zero reference: attributions sum to f(x) − f(0).
    a = model.attribute(X[:4], target="TAL1", method="deeplift", references="zeros",
                        forward_only=True)
    zero = numpy.zeros((1, 4, 200), dtype=numpy.float32)
    f0 = model.predict(zero, forward_only=True)[0, 2]
    fx = model.predict(X[:4], forward_only=True)[:, 2]
    assert numpy.abs(a.sum((1, 2)) - (fx - f0)).max() < 1e-3
    # attributions of one-hot input sit on the observed bases only
    assert numpy.all(a[X[:4] == 0] == 0)


def test_attribute_by_index_equals_by_name(model, X):
    by_name = model.attribute(X[:2], target="GATA", method="ism")
    assert numpy.array_equal(model.attribute(X[:2], target=1, method="ism"), by_name)
    assert numpy.array_equal(model.attribute(X[:2], target="1", method="ism"), by_name)


def test_strided_arrays_read_as_their_values(model, X):
    fortran = numpy.asfortranarray(X)
    assert not fortran.flags.c_contiguous
    assert numpy.array_equal(model.predict(fortran), model.predict(X))
    every_other = numpy.repeat(X, 2, axis=0)[::2]
    assert numpy.array_equal(model.predict(every_other), model.predict(X))


@pytest.mark.parametrize("bad, error, words", [
    (lambda X: X.astype(numpy.float64), TypeError, "float32"),
    (lambda X: X.transpose(0, 2, 1), ValueError, "transpose(0, 2, 1)"),
    (lambda X: X[0], ValueError, "X[None]"),
    (lambda X: X[:, :, :100], ValueError, "takes 200 bp"),
    (lambda X: X * 0.5, ValueError, "not one-hot"),
    (lambda X: [[0.0]], TypeError, "numpy array"),
])
def test_bad_arrays_raise_clear_errors(model, X, bad, error, words):
    with pytest.raises(error, match=None) as e:
        model.predict(bad(X))
    assert words in str(e.value)


def test_bad_options_raise(model, X):
    with pytest.raises(ValueError, match="threads"):
        model.predict(X, threads=0)
    with pytest.raises(ValueError, match="class"):
        model.attribute(X[:1], target="CTCF")
    with pytest.raises(ValueError, match="method"):
        model.attribute(X[:1], target="GATA", method="magic")


def test_missing_or_broken_model_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ex.Model.load(tmp_path / "nope.safetensors")
    broken = tmp_path / "model.safetensors"
    broken.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="model.safetensors"):
        ex.Model.load(broken)
