# Type stubs of the compiled module (python/src/*.rs); the documented API is explainn_rs.
from os import PathLike
from typing import Optional, Sequence, Tuple

import numpy
from numpy.typing import NDArray

__version__: str

def one_hot_encode(sequences: Sequence[str]) -> NDArray[numpy.float32]: ...
def decode(x: NDArray[numpy.float32]) -> list[str]: ...
def read_meme(
    path: str | PathLike[str],
) -> list[Tuple[str, Optional[str], NDArray[numpy.float64], Optional[float]]]: ...
def write_meme(
    path: str | PathLike[str],
    motifs: Sequence[Tuple[str, NDArray[numpy.float64], Optional[float]]],
) -> None: ...
def tomtom(
    queries: Sequence[Tuple[str, NDArray[numpy.float64], Optional[float]]],
    targets: Sequence[Tuple[str, NDArray[numpy.float64], Optional[float]]],
    reverse_complement: bool,
    distance: str,
    min_overlap: int,
    background: Optional[Sequence[float]],
    threads: Optional[int],
) -> Tuple[
    NDArray[numpy.float64],
    NDArray[numpy.float64],
    NDArray[numpy.int64],
    NDArray[numpy.int64],
    NDArray[numpy.int64],
]: ...
def tomtom_tsv(
    queries: Sequence[Tuple[str, NDArray[numpy.float64], Optional[float]]],
    targets: Sequence[Tuple[str, NDArray[numpy.float64], Optional[float]]],
    thresh: float,
    evalue: bool,
    reverse_complement: bool,
    distance: str,
    min_overlap: int,
    background: Optional[Sequence[float]],
    threads: Optional[int],
) -> str: ...
def read_fasta(path: str | PathLike[str]) -> list[Tuple[str, str]]: ...
def fimo(
    motifs: Sequence[Tuple[str, NDArray[numpy.float64], Optional[float]]],
    sequences: Sequence[str],
    background: Sequence[float],
    threshold: float,
    reverse_complement: bool,
    motif_pseudo: float,
    threads: Optional[int],
) -> Tuple[NDArray[numpy.int64], NDArray[numpy.int64], NDArray[numpy.int64],
           NDArray[numpy.int64], NDArray[numpy.int64], NDArray[numpy.float64],
           NDArray[numpy.float64]]: ...
def train(
    train: str,
    validation: str,
    output: str,
    spec: str,
    force: bool,
    threads: Optional[int],
    verbose: bool,
) -> str: ...
def interpret(
    model: str,
    data: Optional[str],
    output: Optional[str],
    motifs: Optional[str],
    q_threshold: float,
    max_sequences: Optional[int],
    forward_only: bool,
    threads: Optional[int],
) -> str: ...

class Model:
    @staticmethod
    def load(path: str | PathLike[str], batch_size: int = 256) -> Model: ...
    @property
    def classes(self) -> list[str]: ...
    @property
    def input_length(self) -> int: ...
    @property
    def arch(self) -> str: ...
    @property
    def trained_with_rc(self) -> bool: ...
    def predict(
        self,
        x: NDArray[numpy.float32],
        forward_only: bool = False,
        activate: bool = False,
        threads: Optional[int] = None,
    ) -> NDArray[numpy.float32]: ...
    def unit_outputs(
        self, x: NDArray[numpy.float32], forward_only: bool = False, threads: Optional[int] = None
    ) -> NDArray[numpy.float32]: ...
    def explain(
        self, x: NDArray[numpy.float32], forward_only: bool = False, threads: Optional[int] = None
    ) -> Tuple[NDArray[numpy.float32], NDArray[numpy.float32], NDArray[numpy.float32]]: ...
    def attribute(
        self,
        x: NDArray[numpy.float32],
        target: Optional[str | int] = None,
        method: Optional[str] = None,
        references: Optional[str] = None,
        forward_only: bool = False,
        seed: int = 1714,
        threads: Optional[int] = None,
    ) -> NDArray[numpy.float32]: ...
