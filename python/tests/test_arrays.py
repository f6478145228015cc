"""One-hot encoding, the module's doctests."""

import doctest

import numpy
import pytest

import explainn_rs as ex


def test_one_hot_layout():
    x = ex.one_hot_encode("ACGTNacgt")
    assert x.shape == (4, 9) and x.dtype == numpy.float32
    assert x[:, :4].tolist() == numpy.eye(4).tolist()
    assert x[:, 4].sum() == 0
    assert numpy.array_equal(x[:, 5:], x[:, :4])


def test_batch_round_trip():
    seqs = ["ACGTACGTNN", "TTTTGGGGCC"]
    X = ex.one_hot_encode(seqs)
    assert X.shape == (2, 4, 10)
    assert ex.decode(X) == seqs


def test_bad_sequences():
    with pytest.raises(ValueError, match="sequence 1 has 3 bases"):
        ex.one_hot_encode(["ACGT", "ACG"])
    with pytest.raises(ValueError, match="position 2"):
        ex.one_hot_encode(["AC-T"])


def test_doctests():
    failures, tried = doctest.testmod(ex)
    assert tried > 0 and failures == 0
