"""explainn from Python: the engine of the ``explainn`` command line on numpy arrays.

Sequences are one-hot arrays ``X`` of shape ``(N, 4, L)``, float32, rows A, C, G, T (an
all-zero column is N), as tangermeme; motifs are ``(4, w)`` probability matrices, as
memelite. Every computation releases the GIL; ``threads`` (``n_jobs`` where memelite names
it so) runs it on that many threads, ``None`` or ``-1`` on all cores. Results do not depend
on the thread count.

>>> import explainn_rs as ex
>>> X = ex.one_hot_encode(["ACGTN", "TTTTA"])
>>> X.shape, X.dtype.name
((2, 4, 5), 'float32')
>>> ex.decode(X)
['ACGTN', 'TTTTA']
"""

from __future__ import annotations

import os

import numpy

from . import _native
from ._native import Model

__version__ = _native.__version__

__all__ = [
    "Model",
    "PWM",
    "one_hot_encode",
    "decode",
    "read_meme",
    "write_meme",
    "tomtom",
    "tomtom_tsv",
    "fimo",
    "write_tsv",
    "train",
    "interpret",
    "read_table",
]


def one_hot_encode(sequence):
    """One-hot encode a sequence as ``(4, L)`` or a list of sequences of one length as
    ``(N, 4, L)``, float32, rows A, C, G, T. Lower case is read as upper case; N and the
    other IUPAC letters give all-zero columns; any other character is a ``ValueError``."""
    if isinstance(sequence, (str, bytes)):
        s = sequence.decode() if isinstance(sequence, bytes) else sequence
        return _native.one_hot_encode([s])[0]
    return _native.one_hot_encode(list(sequence))


def decode(X):
    """The letters of one-hot sequences ``(N, 4, L)`` (all-zero columns as N)."""
    return _native.decode(X)


class PWM(numpy.ndarray):
    """A ``(4, w)`` probability matrix (a numpy array) that remembers its site count
    ``nsites`` from the file it was read from: MEME's Tomtom weighs its pseudocounts by it
    (``None`` counts as 20, MEME's default), so motifs read here compare exactly as MEME
    compares the file. Any ``(4, w)`` array can stand where a PWM is expected."""

    nsites = None

    def __array_finalize__(self, obj):
        self.nsites = getattr(obj, "nsites", None)


def read_meme(filename, n_motifs=None):
    """The motifs of a MEME (or JASPAR, HOCOMOCO; plain or gzip) file as a dict from the
    rest of each ``MOTIF`` line (``"MA0004.1 Arnt"``) to its ``(4, w)`` float64
    probability matrix (a :class:`PWM`, carrying ``nsites``), in file order, as memelite's
    ``read_meme``."""
    motifs = {}
    for motif_id, alt, pwm, nsites in _native.read_meme(os.fspath(filename)):
        if n_motifs is not None and len(motifs) >= n_motifs:
            break
        pwm = pwm.view(PWM)
        pwm.nsites = nsites
        motifs[motif_id if alt is None else f"{motif_id} {alt}"] = pwm
    return motifs


def write_meme(filename, motifs):
    """Write motifs (a dict name → ``(4, w)`` matrix, or a list named 0, 1, …) as a MEME
    version 4 file, as memelite's ``write_meme`` (uniform background)."""
    items = motifs.items() if isinstance(motifs, dict) else enumerate(motifs)
    _native.write_meme(os.fspath(filename), [_motif(v, str(k)) for k, v in items])


def _motif(m, name=""):
    """``(name, (4, w) float64 array, nsites)`` of a matrix (numpy, torch or nested
    lists)."""
    nsites = getattr(m, "nsites", None)
    if hasattr(m, "detach"):  # a torch tensor
        m = m.detach().cpu().numpy()
    return name, numpy.ascontiguousarray(m, dtype=numpy.float64), nsites


def tomtom(Qs, Ts, n_nearest=None, n_score_bins=100, n_median_bins=1000,
           n_target_bins=100, n_cache=100, reverse_complement=True, n_jobs=-1,
           distance="ed", min_overlap=1, background=None):
    """Compare every query motif with every target, as memelite's ``tomtom`` (same
    arguments, same outputs) but with MEME Tomtom's exact numbers: returns ``p_values,
    scores, offsets, overlaps, strands``, each ``(len(Qs), len(Ts))`` (with ``n_nearest``,
    ``(len(Qs), n_nearest)`` sorted by p-value, and ``idxs``, the targets' indices).

    ``Qs``, ``Ts``: lists (or dicts) of ``(4, w)`` probability matrices. ``strands`` is 0
    where the best alignment uses the target as given and 1 where it uses its reverse
    complement; ``offsets`` is MEME's ``Optimal_offset``; ``scores`` the complete score of
    the best alignment. ``n_score_bins``, ``n_median_bins``, ``n_target_bins`` and
    ``n_cache`` are memelite's approximation settings: explainn computes MEME's values
    exactly, so they are accepted for compatibility and change nothing. ``distance``
    (MEME's ``-dist``, default ``ed``), ``min_overlap`` and ``background`` (the queries'
    A, C, G, T frequencies, for the pseudocounts; default uniform) are MEME's options.
    """
    del n_score_bins, n_median_bins, n_target_bins, n_cache  # exact: nothing to bin
    qs = [_motif(q, str(i)) for i, q in enumerate(Qs.values() if isinstance(Qs, dict) else Qs)]
    ts = [_motif(t, str(i)) for i, t in enumerate(Ts.values() if isinstance(Ts, dict) else Ts)]
    p, scores, offsets, overlaps, strands = _native.tomtom(
        qs, ts, bool(reverse_complement), distance, int(min_overlap),
        _background(background), _threads(n_jobs))
    if n_nearest is None:
        return p, scores, offsets, overlaps, strands
    k = min(int(n_nearest), p.shape[1])
    idxs = numpy.argsort(p, axis=1, kind="stable")[:, :k]
    take = lambda a: numpy.take_along_axis(a, idxs, axis=1)  # noqa: E731
    return take(p), take(scores), take(offsets), take(overlaps), take(strands), idxs


def tomtom_tsv(queries, targets, thresh=0.5, evalue=False, reverse_complement=True,
               distance="ed", min_overlap=1, background=None, n_jobs=-1):
    """MEME Tomtom's ``--text`` table (header and rows, as ``explainn tomtom`` prints them)
    for ``queries`` and ``targets``, dicts from motif name (as ``read_meme`` gives: the
    first word is the ID) to ``(4, w)`` matrices. Rows with q-value (E-value with
    ``evalue``) above ``thresh`` are left out, as MEME does."""
    name = lambda k: str(k).split()[0] if str(k).split() else str(k)  # noqa: E731
    qs = [_motif(v, name(k)) for k, v in queries.items()]
    ts = [_motif(v, name(k)) for k, v in targets.items()]
    return _native.tomtom_tsv(qs, ts, float(thresh), bool(evalue), bool(reverse_complement),
                              distance, int(min_overlap), _background(background),
                              _threads(n_jobs))


_NRDB = [0.281774, 0.222020, 0.228876, 0.267330]


def fimo(motifs, sequences, alphabet=["A", "C", "G", "T"], bin_size=0.1, eps=0.0001,
         threshold=0.0001, reverse_complement=True, return_counts=False, dim=0,
         verbose=False, background="nrdb", motif_pseudo=0.1, n_jobs=-1):
    """Scan ``sequences`` with ``motifs``, as memelite's ``fimo`` (same arguments, same
    outputs) with MEME FIMO's exact scores and p-values (``fimo --text --no-pgc``):
    ``motifs`` is a MEME file or a dict name → ``(4, w)`` matrix; ``sequences`` a FASTA
    file or one-hot ``(N, 4, L)`` float32 array. Returns, per motif (``dim=0``) or per
    sequence (``dim=1``), the hits with ``threshold`` ≥ p-value: pandas DataFrames when pandas
    is installed, else dicts of numpy arrays, with columns ``motif_name``, ``motif_idx``,
    ``sequence_name``, ``start`` (0-based), ``end`` (exclusive), ``strand``, ``score``
    (bits), ``p-value``; with ``return_counts``, the hits per motif (or sequence) as an
    array.

    ``background`` is FIMO's: ``"nrdb"`` (its default, as ``explainn scan``),
    ``"uniform"`` or four A, C, G, T frequencies; ``motif_pseudo`` MEME's pseudocount.
    ``bin_size`` and ``eps`` are memelite's approximation settings and change nothing;
    ``alphabet`` must be A, C, G, T.
    """
    del bin_size, eps, verbose
    if list(alphabet) != ["A", "C", "G", "T"]:
        raise ValueError(f"alphabet must be ['A', 'C', 'G', 'T'] (DNA); got {alphabet}")
    if dim not in (0, 1):
        raise ValueError(f"dim must be 0 (one table per motif) or 1 (per sequence); got {dim}")
    if isinstance(motifs, (str, os.PathLike)):
        motifs = read_meme(motifs)
    names = list(motifs)
    given = [_motif(m, str(i)) for i, m in enumerate(motifs.values())]
    if isinstance(sequences, (str, os.PathLike)):
        records = _native.read_fasta(os.fspath(sequences))
        seq_names = numpy.array([n for n, _ in records], dtype=object)
        letters = [s for _, s in records]
    else:
        letters = _native.decode(sequences)
        seq_names = numpy.arange(len(letters))
    bg = {"nrdb": _NRDB, "uniform": [0.25] * 4}.get(background, background) \
        if isinstance(background, str) else background
    if isinstance(bg, str):
        raise ValueError(f"background must be 'nrdb', 'uniform' or four frequencies; got {bg!r}")
    m_idx, s_idx, start, end, strand, score, p = _native.fimo(
        given, letters, [float(x) for x in bg], float(threshold), bool(reverse_complement),
        float(motif_pseudo), _threads(n_jobs))
    key, n = (m_idx, len(names)) if dim == 0 else (s_idx, len(letters))
    counts = numpy.bincount(key, minlength=n)
    if return_counts:
        return counts.astype(numpy.int32)
    columns = {
        "motif_name": numpy.array(names, dtype=object)[m_idx],
        "motif_idx": m_idx,
        "sequence_name": seq_names[s_idx],
        "start": start,
        "end": end,
        "strand": numpy.where(strand == 1, "-", "+").astype(object),
        "score": score,
        "p-value": p,
    }
    try:
        import pandas
    except ImportError:
        pandas = None
    # one stable sort groups the hits by table, in FIMO's order within each
    order = numpy.argsort(key, kind="stable")
    ends = numpy.cumsum(counts)
    tables = []
    for k in range(n):
        rows = order[ends[k] - counts[k]:ends[k]]
        table = {c: v[rows] for c, v in columns.items()}
        tables.append(pandas.DataFrame(table) if pandas is not None else table)
    return tables


def _background(bg):
    return None if bg is None else [float(x) for x in bg]


def _threads(n):
    return None if n is None or n == -1 else int(n)


def write_tsv(filename, X, y, classes, ids=None):
    """Write one-hot sequences ``X`` ``(N, 4, L)`` and labels ``y`` ``(N, C)`` (or ``(N,)``)
    as an ExplaiNN TSV (``id``, ``seq``, one column per class; gzip when the name ends in
    ``.gz``), the input of :func:`train` and of the command line."""
    import gzip

    seqs = _native.decode(X)
    y = numpy.asarray(y)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape != (len(seqs), len(classes)):
        raise ValueError(f"y has shape {y.shape}; expected ({len(seqs)}, {len(classes)}): "
                         "one row per sequence, one column per class")
    ids = [f"seq{i}" for i in range(len(seqs))] if ids is None else list(ids)
    if len(ids) != len(seqs):
        raise ValueError(f"{len(ids)} ids for {len(seqs)} sequences")
    opener = gzip.open if os.fspath(filename).endswith(".gz") else open
    with opener(filename, "wt") as f:
        f.write("\t".join(["#id", "seq", *classes]) + "\n")
        for i, s in enumerate(seqs):
            f.write("\t".join([str(ids[i]), s, *(f"{v:g}" for v in y[i])]) + "\n")


def train(train, validation, output, *, force=False, threads=None, verbose=False, **options):
    """Train on ExplaiNN TSV files (``explainn prepare``'s, or :func:`write_tsv`'s) into
    the run directory ``output``, as ``explainn train`` does, and return the model file's
    path. ``options`` are the command line's options with ``_`` for ``-`` (``arch="argminn"``,
    ``units=8``, ``max_epochs=5``, ``seed=1``, ``lr=0.001`` …); each default is the command
    line's. An unknown option is a ``ValueError`` that lists the known ones."""
    import json

    return _native.train(os.fspath(train), os.fspath(validation), os.fspath(output),
                         json.dumps(options), bool(force), _threads(threads), bool(verbose))


def interpret(run, data=None, output=None, *, motifs=None, q_threshold=0.05,
              max_sequences=None, forward_only=False, threads=None, as_frames=False):
    """Interpret a run as ``explainn interpret`` does (unit PWMs, their Tomtom annotation
    against ``motifs``, default the bundled JASPAR 2024, importance) and return its results:
    a dict with ``output`` (the directory), ``pwms`` (:func:`read_meme` of the PWMs) and
    one entry per table (``annotation``, ``importance``, ``weights``, ``tomtom`` …), each a
    dict of column name → numpy array, or with ``as_frames`` a pandas DataFrame."""
    p = lambda x: None if x is None else os.fspath(x)  # noqa: E731
    out = _native.interpret(os.fspath(run), p(data), p(output), p(motifs), float(q_threshold),
                            max_sequences, bool(forward_only), _threads(threads))
    result = {"output": out}
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        stem, ext = os.path.splitext(name)
        if ext == ".tsv":
            result[stem] = read_table(path, as_frame=as_frames)
        elif ext == ".meme":
            result["pwms" if stem in ("filters", "motifs") else stem] = read_meme(path)
    return result


def read_table(filename, as_frame=False):
    """A tab-separated table with a header line (``#`` lines skipped) as a dict of column
    name → numpy array (float where every value is a number or ``NA``, else str), or with
    ``as_frame`` a pandas DataFrame."""
    if as_frame:
        import pandas

        return pandas.read_csv(filename, sep="\t", comment=None, na_values=["NA"])
    with open(filename) as f:
        lines = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
    if not lines:
        return {}
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:]]
    columns = {}
    for j, name in enumerate(header):
        values = [r[j] if j < len(r) else "" for r in rows]
        try:
            columns[name] = numpy.array([numpy.nan if v == "NA" else float(v) for v in values])
        except ValueError:
            columns[name] = numpy.array(values, dtype=str)
    return columns
