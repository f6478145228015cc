"""MEME files and Tomtom: exact to MEME (the golden outputs of ../shared/data/golden), the
same numbers as `explainn tomtom`, and memelite's call shapes."""

import inspect

import numpy
import pytest

import explainn_rs as ex
from conftest import SHARED

GOLDEN = SHARED / "golden"
QUERIES = GOLDEN / "jaspar2026_new80.meme"
TARGETS = SHARED / "jaspar" / "JASPAR2020_CORE_vertebrates_non-redundant_pfms_meme.txt"


@pytest.fixture(scope="module")
def queries():
    return ex.read_meme(QUERIES)


@pytest.fixture(scope="module")
def targets():
    return ex.read_meme(TARGETS)


def test_tomtom_tsv_is_byte_exact_to_meme(queries, targets):
    golden = (GOLDEN / "tomtom.ed.jaspar2026_new80_vs_jaspar2020.tsv").read_text()
    assert ex.tomtom_tsv(queries, targets) == golden


def test_matrices_hold_the_cli_numbers(queries, targets, cli):
    text = cli("tomtom", QUERIES, TARGETS, "--thresh", "1", "-q")
    p, scores, offsets, overlaps, strands = ex.tomtom(list(queries.values()),
                                                      list(targets.values()))
    qids = [k.split()[0] for k in queries]
    tids = [k.split()[0] for k in targets]
    rows = [line.split("\t") for line in text.splitlines()[1:] if line and not line.startswith("#")]
    assert len(rows) == len(qids) * len(tids)  # every pair at thresh 1
    for q, t, offset, pv, _e, _q, overlap, _qc, _tc, orientation in rows:
        i, j = qids.index(q), tids.index(t)
        assert f"{p[i, j]:.6g}" == f"{float(pv):.6g}", (q, t)
        assert offsets[i, j] == int(offset) and overlaps[i, j] == int(overlap)
        assert strands[i, j] == (orientation == "-")
    assert numpy.isfinite(scores).all()


def test_self_match_is_the_best(targets):
    ts = list(targets.values())[:30]
    p, scores, offsets, overlaps, strands = ex.tomtom(ts, ts)
    assert (numpy.argmin(p, axis=1) == numpy.arange(30)).all()
    assert (numpy.argmax(scores, axis=1) == numpy.arange(30)).all()
    assert (numpy.diag(offsets) == 0).all() and (numpy.diag(strands) == 0).all()


def test_n_nearest(targets):
    ts = list(targets.values())[:40]
    full = ex.tomtom(ts[:5], ts)
    p, s, o, ov, st, idxs = ex.tomtom(ts[:5], ts, n_nearest=3)
    assert p.shape == idxs.shape == (5, 3)
    assert numpy.array_equal(p, numpy.sort(full[0], axis=1)[:, :3])
    assert numpy.array_equal(p, numpy.take_along_axis(full[0], idxs, axis=1))


def test_memelite_call_shapes(targets):
    memelite = pytest.importorskip("memelite")
    theirs = inspect.signature(memelite.tomtom).parameters
    ours = inspect.signature(ex.tomtom).parameters
    assert list(theirs) == list(ours)[: len(theirs)]
    for name in theirs:
        assert theirs[name].default == ours[name].default, name
    ts = list(targets.values())[:60]
    qs = ts[:7]
    a, b = memelite.tomtom(qs, ts), ex.tomtom(qs, ts)
    assert len(a) == len(b) == 5
    for x, y in zip(a, b):
        assert numpy.shape(x) == numpy.shape(y)
    # the same best match (the motif itself) in every row
    assert (numpy.argmin(a[0], axis=1) == numpy.argmin(b[0], axis=1)).all()
    assert numpy.array_equal(numpy.asarray(a[4])[numpy.arange(7), numpy.arange(7)], numpy.zeros(7))
    from memelite.io import read_meme
    assert list(inspect.signature(read_meme).parameters) == list(
        inspect.signature(ex.read_meme).parameters)
    theirs = read_meme(str(TARGETS))
    assert list(theirs) == list(targets)
    assert all(numpy.array_equal(theirs[k], targets[k]) for k in list(targets)[:50])


def test_meme_round_trip(targets, tmp_path):
    some = dict(list(targets.items())[:5])
    path = tmp_path / "m.meme"
    ex.write_meme(path, some)
    back = ex.read_meme(path)
    assert list(back) == list(some)
    for k in some:
        assert numpy.array_equal(back[k], some[k])
        assert back[k].nsites == some[k].nsites is not None
    ex.write_meme(path, list(some.values()))
    assert list(ex.read_meme(path)) == ["0", "1", "2", "3", "4"]


def test_bad_motifs(targets, tmp_path):
    t = list(targets.values())[:3]
    with pytest.raises(ValueError, match=r"shape \(4, w\)"):
        ex.tomtom([t[0].T], t)
    with pytest.raises(ValueError, match="probabilities"):
        ex.tomtom([-t[0]], t)
    with pytest.raises(ValueError, match="no motif"):
        ex.tomtom([], t)
    with pytest.raises(ValueError, match="background"):
        ex.tomtom(t, t, background=[0.5, 0.5, 0.5, 0.5])
    with pytest.raises(FileNotFoundError):
        ex.read_meme(tmp_path / "missing.meme")
    bad = tmp_path / "bad.meme"
    bad.write_text("MEME version 4\n\nMOTIF x\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5\n")
    with pytest.raises(ValueError, match="bad.meme"):
        ex.read_meme(bad)


FASTA = GOLDEN / "janggu_test_200.fa"
TWELVE = GOLDEN / "jaspar2024_12motifs.meme"


def _fimo_rows(tables):
    rows = []
    for t in tables:
        t = t if isinstance(t, dict) else {c: t[c].to_numpy() for c in t.columns}
        for k in range(len(t["start"])):
            rows.append((t["motif_name"][k].split()[0], str(t["sequence_name"][k]),
                         int(t["start"][k]) + 1, int(t["end"][k]), t["strand"][k],
                         f"{t['score'][k]:.6g}", f"{t['p-value'][k]:.3g}"))
    return rows


@pytest.mark.parametrize("golden, kwargs", [
    ("fimo.nrdb_bg.jaspar2024_12motifs.janggu_test_200.tsv", {}),
    ("fimo.uniform_bg_thresh1e-3.jaspar2024_12motifs.janggu_test_200.tsv",
     {"background": "uniform", "threshold": 1e-3}),
])
def test_fimo_equals_meme(golden, kwargs):
    want = []
    for line in (GOLDEN / golden).read_text().splitlines()[1:]:
        f = line.split("\t")
        want.append((f[0], f[2], int(f[3]), int(f[4]), f[5], f"{float(f[6]):.6g}",
                     f"{float(f[7]):.3g}"))
    got = _fimo_rows(ex.fimo(TWELVE, FASTA, **kwargs))
    assert got == want


def test_fimo_on_arrays_and_memelite_shapes():
    memelite = pytest.importorskip("memelite")
    theirs = inspect.signature(memelite.fimo).parameters
    ours = inspect.signature(ex.fimo).parameters
    assert list(theirs) == list(ours)[: len(theirs)]
    records = ex._native.read_fasta(str(FASTA))
    X = ex.one_hot_encode([s.upper() for _, s in records])
    by_file = ex.fimo(TWELVE, FASTA, background="uniform")
    by_array = ex.fimo(TWELVE, X, background="uniform")
    assert [len(t) for t in by_file] == [len(t) for t in by_array]
    a, b = memelite.fimo(str(TWELVE), X), by_array
    assert len(a) == len(b) == 12
    assert [list(t.columns) for t in a] == [list(t.columns) for t in b]
    counts = ex.fimo(TWELVE, X, return_counts=True, background="uniform")
    assert counts.tolist() == [len(t) for t in by_array]
    per_sequence = ex.fimo(TWELVE, X, dim=1, background="uniform")
    assert len(per_sequence) == len(X)
    assert sum(len(t) for t in per_sequence) == sum(counts)


def test_fimo_bad_input():
    with pytest.raises(ValueError, match="alphabet"):
        ex.fimo(TWELVE, FASTA, alphabet=["A", "C", "G", "U"])
    with pytest.raises(ValueError, match="threshold"):
        ex.fimo(TWELVE, FASTA, threshold=0)
    with pytest.raises(ValueError, match="background"):
        ex.fimo(TWELVE, FASTA, background="gc")
