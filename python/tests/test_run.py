"""train and interpret from Python: the command line's pipelines, its defaults and errors."""

import numpy
import pytest

import explainn_rs as ex


@pytest.fixture(scope="module")
def data(tmp_path_factory, sequences):
    d = tmp_path_factory.mktemp("data")
    X = ex.one_hot_encode([s for _, s in sequences] * 10)
    rng = numpy.random.default_rng(3)
    y = (rng.random((len(X), 2)) < 0.5).astype(numpy.float32)
    ex.write_tsv(d / "train.tsv.gz", X, y, ["a", "b"])
    ex.write_tsv(d / "valid.tsv", X[:40], y[:40], ["a", "b"])
    return d


def test_train_then_load_predict_interpret(data, tmp_path, cli):
    model_file = ex.train(data / "train.tsv.gz", data / "valid.tsv", tmp_path / "run",
                          units=4, max_epochs=2, seed=3, threads=1)
    model = ex.Model.load(model_file)
    assert model.classes == ["a", "b"] and model.arch == "explainn"
    assert model.unit_outputs(ex.one_hot_encode(["A" * 200])).shape == (1, 4)
    # the same run as the command line's, option for option
    cli("train", data / "train.tsv.gz", data / "valid.tsv", "-o", tmp_path / "cli",
        "--units", 4, "--max-epochs", 2, "--seed", 3, "--threads", 1, "-q")
    X = ex.one_hot_encode(["ACGT" * 50, "GATA" * 50])
    assert numpy.array_equal(model.predict(X), ex.Model.load(tmp_path / "cli").predict(X))
    result = ex.interpret(tmp_path / "run", data / "valid.tsv")
    assert set(result) >= {"output", "annotation", "importance", "pwms"}
    assert list(result["annotation"]["unit"]) == ["unit0", "unit1", "unit2", "unit3"]
    assert all(p.shape[0] == 4 for p in result["pwms"].values())


def test_training_errors(data, tmp_path):
    with pytest.raises(ValueError, match="unknown field `unitz`"):
        ex.train(data / "train.tsv.gz", data / "valid.tsv", tmp_path / "r", unitz=4)
    with pytest.raises(FileNotFoundError, match="training file"):
        ex.train(tmp_path / "none.tsv", data / "valid.tsv", tmp_path / "r")
    ex.train(data / "train.tsv.gz", data / "valid.tsv", tmp_path / "r", units=2, max_epochs=1)
    with pytest.raises(ValueError, match="already holds a trained run"):
        ex.train(data / "train.tsv.gz", data / "valid.tsv", tmp_path / "r", units=2, max_epochs=1)


def test_write_tsv_checks_its_labels(tmp_path):
    X = ex.one_hot_encode(["ACGT", "TTTT"])
    with pytest.raises(ValueError, match="one row per sequence"):
        ex.write_tsv(tmp_path / "x.tsv", X, numpy.zeros((3, 1)), ["a"])
