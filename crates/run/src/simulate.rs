//! `explainn simulate`'s file layer: read a grammar (a JSON file, or one of the bundled
//! grammars by name), resolve its motifs in the bundled JASPAR 2024 set or a motif file,
//! simulate ([`explainn_ops::simulate`]) and write `PREFIX.tsv.gz` (an ExplaiNN TSV: id,
//! sequence, one 0/1 column named after the grammar) and `PREFIX.instances.bed` (BED6: the
//! sequence's id, start, end, motif, 0, strand of every planted instance), both or neither.

use crate::output::{AtomicFile, AtomicGzFile};
use crate::{Result, RunError, file_error};
use explainn_ops::simulate::{Grammar, Simulator};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The bundled grammars, by name: the four verification tasks of the ARGMINN
/// specification and the paper's six simulated sets.
pub const GRAMMARS: [(&str, &str); 13] = [
    (
        "verify-single",
        include_str!("../../../grammars/verify-single.json"),
    ),
    (
        "verify-and",
        include_str!("../../../grammars/verify-and.json"),
    ),
    (
        "verify-spacing",
        include_str!("../../../grammars/verify-spacing.json"),
    ),
    (
        "verify-spacing-wide",
        include_str!("../../../grammars/verify-spacing-wide.json"),
    ),
    (
        "verify-spacing-far",
        include_str!("../../../grammars/verify-spacing-far.json"),
    ),
    (
        "verify-spacing-far-start",
        include_str!("../../../grammars/verify-spacing-far-start.json"),
    ),
    (
        "verify-repressor",
        include_str!("../../../grammars/verify-repressor.json"),
    ),
    ("spi1", include_str!("../../../grammars/spi1.json")),
    (
        "tal1-gata1",
        include_str!("../../../grammars/tal1-gata1.json"),
    ),
    ("e2f6-max", include_str!("../../../grammars/e2f6-max.json")),
    (
        "jund-tead",
        include_str!("../../../grammars/jund-tead.json"),
    ),
    ("rest", include_str!("../../../grammars/rest.json")),
    (
        "spi1-ctcf",
        include_str!("../../../grammars/spi1-ctcf.json"),
    ),
];

/// A simulation run.
#[derive(Debug, Clone)]
pub struct SimulateRequest {
    /// A grammar file, or the name of a bundled grammar ([`GRAMMARS`]).
    pub grammar: String,
    /// Motifs the grammar names, by ID or name [default: the bundled JASPAR 2024 set].
    pub motifs: Option<PathBuf>,
    /// Positives (and as many negatives).
    pub n: usize,
    pub seed: u64,
    /// Output prefix.
    pub output: PathBuf,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SimulateOutcome {
    pub sequences: usize,
    pub instances: usize,
    pub table: PathBuf,
    pub bed: PathBuf,
}

/// The grammar `spec`: a bundled name or a JSON file.
pub fn read_grammar(spec: &str) -> Result<Grammar> {
    let (text, source) = match GRAMMARS.iter().find(|(n, _)| *n == spec) {
        Some((_, text)) if !Path::new(spec).exists() => (text.to_string(), spec.to_string()),
        _ => {
            let path = Path::new(spec);
            if !path.exists() {
                let names: Vec<&str> = GRAMMARS.iter().map(|(n, _)| *n).collect();
                return Err(RunError::Data(format!(
                    "grammar `{spec}` is neither a file nor a bundled grammar ({})",
                    names.join(", ")
                )));
            }
            let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
            (text, path.display().to_string())
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        RunError::Data(format!(
            "{source}: not a grammar ({e}); a grammar is {{\"name\", \"length\", \"positive\": [elements], \"negative\": [elements]}} with elements {{\"motif\": ID}}, {{\"gap\": N or [MIN, MAX]}} or {{\"one_of\": [[elements], …], \"p\": [weights]}}"
        ))
    })
}

/// The motifs of `path`, or the bundled JASPAR 2024 set.
fn motif_set(path: Option<&Path>) -> Result<explainn_motif::io::MotifSet> {
    Ok(match path {
        Some(p) => explainn_motif::io::read_motifs_file(p).map_err(|e| file_error(p, e))?,
        None => explainn_motif::jaspar::bundled_motifs(),
    })
}

/// `grammar` with its motifs looked up in `set` by ID, then by name.
fn resolve(grammar: Grammar, set: &explainn_motif::io::MotifSet) -> Result<Simulator> {
    Ok(Simulator::new(grammar, |id| {
        set.motifs
            .iter()
            .find(|m| m.id == id)
            .or_else(|| {
                set.motifs
                    .iter()
                    .find(|m| m.alt_name.as_deref() == Some(id))
            })
            .map(|m| (m.id.clone(), m.probabilities()))
    })?)
}

/// The simulator of the grammar `spec` (a file or a bundled name) over the motifs of
/// `motifs` (default: the bundled JASPAR set), for training on fresh sets each epoch.
pub fn simulator(spec: &str, motifs: Option<&Path>) -> Result<Simulator> {
    resolve(read_grammar(spec)?, &motif_set(motifs)?)
}

/// The file names of the outputs of `prefix`.
pub fn output_paths(prefix: &Path) -> (PathBuf, PathBuf) {
    let s = prefix.as_os_str().to_string_lossy();
    (
        PathBuf::from(format!("{s}.tsv.gz")),
        PathBuf::from(format!("{s}.instances.bed")),
    )
}

/// Simulate `req` and write its two files.
pub fn simulate_run(req: &SimulateRequest) -> Result<SimulateOutcome> {
    if req.n == 0 {
        return Err(RunError::Data("--n must be at least 1".into()));
    }
    let grammar = read_grammar(&req.grammar)?;
    let set = motif_set(req.motifs.as_deref())?;
    crate::budget::check_memory(
        &format!("--n {} sequences of {} bp", req.n, grammar.length),
        crate::budget::product(&[req.n, 2, grammar.length]),
    )?;
    let name = grammar.name.clone();
    let simulator = resolve(grammar, &set)?;
    let sim = simulator.simulate(req.n, req.seed);
    let l = sim.codes.len() / sim.labels.len();
    let id = |k: usize| {
        if k % 2 == 0 {
            format!("pos_{}", k / 2 + 1)
        } else {
            format!("neg_{}", k / 2 + 1)
        }
    };
    let (table, bed) = output_paths(&req.output);
    let mut f = AtomicGzFile::create(&table)?;
    let mut text = format!("#id\tseq\t{name}\n");
    for (k, (seq, y)) in sim.codes.chunks(l).zip(&sim.labels).enumerate() {
        text += &format!(
            "{}\t{}\t{y}\n",
            id(k),
            String::from_utf8_lossy(&explainn_seq::encode::to_letters(seq))
        );
    }
    f.write_all(text.as_bytes())
        .map_err(|e| file_error(&table, e))?;
    let mut b = AtomicFile::create(&bed)?;
    let mut rows = String::new();
    for p in &sim.instances {
        let strand = if p.minus { '-' } else { '+' };
        rows += &format!(
            "{}\t{}\t{}\t{}\t0\t{strand}\n",
            id(p.sequence),
            p.start,
            p.end,
            p.motif
        );
    }
    b.write_all(rows.as_bytes())
        .map_err(|e| file_error(&bed, e))?;
    f.commit()?;
    b.commit()?;
    Ok(SimulateOutcome {
        sequences: sim.labels.len(),
        instances: sim.instances.len(),
        table,
        bed,
    })
}
