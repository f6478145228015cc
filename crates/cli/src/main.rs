//! `explainn`: the command-line front end. Every subcommand lives in its own module under
//! `cmd/`, parses its arguments with clap and calls the library crates; this file only
//! dispatches. Errors are reported with their full context chain and exit code 1.

mod cmd;
mod output;
mod stdin;

/// mimalloc (built without transparent huge pages) keeps freed pages for reuse: training
/// allocates and frees megabyte buffers every step, which glibc's allocator returns to the
/// kernel and faults back in, zeroed (a quarter of a CPU training step with glibc, 17% with
/// mimalloc on huge pages, 1% without; `perf` shares of `clear_page_erms`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Interpretable deep learning on DNA sequence (ExplaiNN), in one binary.
#[derive(Parser)]
#[command(name = "explainn", version, about, propagate_version = true)]
struct Cli {
    /// No progress bars or informational messages (warnings and errors still print)
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build train/validation/test splits (ExplaiNN TSV) from FASTA, FASTQ or BED + genome.
    Prepare(cmd::prepare::Args),
    /// Benchmark sequence parsing and one-hot encoding throughput.
    BenchEncode(cmd::bench_encode::Args),
    /// Train an ExplaiNN model on ExplaiNN TSV training and validation sets.
    Train(cmd::train::Args),
    /// Fine-tune an ExplaiNN model on new data (final layer fresh; classes may change).
    Finetune(cmd::finetune::FinetuneArgs),
    /// Evaluate a model on a labelled test set (metrics.tsv, predictions.tsv.gz).
    Test(cmd::test::Args),
    /// Predict sequences of a FASTA/FASTQ/TSV file with a model (streaming).
    Predict(cmd::predict::Args),
    /// Convert an original ExplaiNN PyTorch checkpoint (.pth) into an explainn model file.
    Import(cmd::import::Args),
    /// Benchmark model training and inference throughput (one JSON line).
    BenchModel(cmd::bench_model::Args),
    /// Compare motifs with a motif database (Tomtom; default target: bundled JASPAR 2024).
    Tomtom(cmd::tomtom::Args),
    /// Scan FASTA sequences for motif occurrences (FIMO p-values).
    Scan(cmd::scan::Args),
    /// Motif sets: score against labelled sequences (AUROC/AUPRC), trim flanks, filter.
    Motifs(cmd::motifs::Args),
    /// Draw information-content sequence logos (SVG or PNG), one file per motif.
    Logo(cmd::logo::Args),
    /// Simulate sequences from a motif grammar (ARGMINN's simulator), with the planted
    /// instances as ground truth.
    Simulate(cmd::simulate::Args),
    /// Interpret a trained model: unit PWMs, JASPAR annotation, importance, logos, plots.
    Interpret(cmd::interpret::Args),
    /// Per-sequence unit contributions to every class logit (exact decomposition).
    Explain(cmd::explain::Args),
    /// Base-resolution attributions: exact DeepLIFT(-SHAP) for ExplaiNN; ISM, saliency,
    /// input × gradient, integrated gradients for any model.
    Attribute(cmd::attribute::Args),
    /// Global importance analysis: insert a pattern (or a pair at varying gaps) into
    /// background sequences and measure the change of every class logit and unit.
    Gia(cmd::gia::Args),
    /// Variant effects: reference vs alternative predictions of a VCF's SNVs and short
    /// indels, and for ExplaiNN the unit (motif) each changes most.
    Variants(cmd::variants::Args),
    /// Instances of learned motifs along a genome: every position where an ExplaiNN
    /// unit's filter activates (BED6+, with the unit's contribution).
    Instances(cmd::instances::Args),
    /// De novo motifs from one set of peaks: prepare, train, interpret, then the unit
    /// PWMs trimmed, filtered, scored on the test split and clustered (MEME, TSV, HTML).
    Discover(cmd::discover::Args),
    /// Write a self-contained HTML report of a trained and interpreted run.
    Report(cmd::report::Args),
    /// Merge ExplaiNN models into one whose logits are the mean of theirs (an ensemble).
    Merge(cmd::merge::Args),
    /// Export a model to PyTorch (model.pth with the original parameter names,
    /// parameters-train.py.json) for the original package, Captum or tangermeme.
    Export(cmd::export::Args),
}

/// On Ctrl-C, SIGTERM or SIGHUP: remove what this process was writing and had not moved
/// into place (temporary files and directories, a run directory with no model yet), the
/// spooled standard input, and exit 130. Outputs already in place stay as they were.
fn clean_up_on_interrupt() {
    let handler = || {
        explainn_run::output::remove_pending();
        stdin::clean_up();
        eprintln!("interrupted: nothing half-written was left behind");
        std::process::exit(130);
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        eprintln!(
            "warning: cannot install the interrupt handler ({e}); an interruption may leave temporary files"
        );
    }
}

fn main() {
    clean_up_on_interrupt();
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli =
        <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some((_, sub)) = matches.subcommand() {
        cmd::set_matches(sub.clone());
    }
    cmd::set_quiet(cli.quiet);
    let result = match cli.command {
        Command::Prepare(a) => cmd::prepare::run(a),
        Command::BenchEncode(a) => cmd::bench_encode::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Finetune(a) => cmd::finetune::run(a),
        Command::Test(a) => cmd::test::run(a),
        Command::Predict(a) => cmd::predict::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::BenchModel(a) => cmd::bench_model::run(a),
        Command::Tomtom(a) => cmd::tomtom::run(a),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Motifs(a) => cmd::motifs::run(a),
        Command::Logo(a) => cmd::logo::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::Interpret(a) => cmd::interpret::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Attribute(a) => cmd::attribute::run(a),
        Command::Gia(a) => cmd::gia::run(a),
        Command::Variants(a) => cmd::variants::run(a),
        Command::Instances(a) => cmd::instances::run(a),
        Command::Discover(a) => cmd::discover::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Merge(a) => cmd::merge::run(a),
        Command::Export(a) => cmd::export::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {}", stdin::describe(&cmd::message(e.as_ref())));
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {}", stdin::describe(&cmd::message(cause)));
        }
        stdin::clean_up();
        std::process::exit(1);
    }
    stdin::clean_up();
}
