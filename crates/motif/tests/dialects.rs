//! MEME dialects: every motif file of the shared data, rewritten the way the MEME suite
//! itself writes motifs (full `meme.txt` output with log-odds sections before the
//! probabilities, `BL   MOTIF` blocks and statistics on the `MOTIF` line; `MEME version 3`
//! files with `n=` and exponent E-values; minimal files with `URL` lines and log-odds after
//! the probabilities), reads back to the same letter-probability matrices as its clean
//! minimal MEME equivalent. Also: all-zero rows warn like rows that do not sum to 1, and a
//! FASTA file given as motifs says so in one short line.

use explainn_motif::Motif;
use explainn_motif::io::{meme, read_motifs_file};
use std::fmt::Write;

/// A scratch directory removed on drop (the crate has no tempfile dependency).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "explainn-dialects-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// Every motif file under `jaspar/`, `motifs_other/` and `golden/`.
fn shared_motif_files() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in ["jaspar", "motifs_other", "golden"] {
        for e in std::fs::read_dir(format!("{DATA}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".jaspar")
                || name.ends_with("_meme.txt")
                || name.ends_with(".meme")
                || name.starts_with("HOCOMOCO")
                || name.starts_with("encode_motifs")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// MEME-style integer log-odds scores (negative where a letter is rarer than 1/4).
fn log_odds(r: &[f64; 4]) -> String {
    r.iter()
        .map(|&p| {
            let v = if p > 0.0 {
                (100.0 * (p / 0.25).log2()).round().max(-999.0)
            } else {
                -999.0
            };
            format!("{v:>6}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn prob_rows(m: &Motif, out: &mut String) {
    for r in &m.rows {
        // Shortest exact form, as the clean file has it.
        writeln!(out, "  {}\t{}\t{}\t{}\t", r[0], r[1], r[2], r[3]).unwrap();
    }
}

const RULE: &str =
    "--------------------------------------------------------------------------------";
const STARS: &str =
    "********************************************************************************";

/// A full MEME 5 `meme.txt`: statistics on the MOTIF line, a description block, sites,
/// BLOCKS, the log-odds matrix first, then the probabilities.
fn meme5_output(motifs: &[Motif]) -> String {
    let mut s = String::new();
    writeln!(s, "{STARS}\nMEME - Motif discovery tool\n{STARS}").unwrap();
    writeln!(
        s,
        "MEME version 5.5.4 (Release date: Fri Jun 16 12:19:08 2023 -0700)\n"
    )
    .unwrap();
    writeln!(s, "For further information on how to interpret these results please access https://meme-suite.org/meme.\nTo get a copy of the MEME Suite software please access https://meme-suite.org.\n").unwrap();
    writeln!(s, "{STARS}\nTRAINING SET\n{STARS}\nPRIMARY SEQUENCES= peaks.fa\nCONTROL SEQUENCES= --none--\nALPHABET= ACGT").unwrap();
    writeln!(s, "Sequence name            Weight Length  Sequence name            Weight Length  \n-------------            ------ ------  -------------            ------ ------  \nchr1:100-200             1.0000    100  chr1:300-400             1.0000    100  ").unwrap();
    writeln!(s, "{STARS}\n\n{STARS}\nCOMMAND LINE SUMMARY\n{STARS}").unwrap();
    writeln!(
        s,
        "command: meme peaks.fa -dna -oc out -nostatus -revcomp -nmotifs {}\n",
        motifs.len()
    )
    .unwrap();
    writeln!(s, "model:  mod=         zoops    nmotifs=         3    evt=           inf\nobject function=  E-value of product of p-values\nstrands: + -\n").unwrap();
    writeln!(s, "Letter frequencies in dataset:\nA 0.283 C 0.217 G 0.217 T 0.283 \nBackground letter frequencies (from file dataset with add-one prior applied):\nA 0.283 C 0.217 G 0.217 T 0.283 \n{STARS}\n").unwrap();
    for (k, m) in motifs.iter().enumerate() {
        let w = m.width();
        let e = format!("{:.1e}", 1.4e-34 * (k + 1) as f64).replace("e-", "e-0");
        writeln!(s, "\n{STARS}\nMOTIF {} MEME-{}\twidth = {w:>3}  sites = {:>3}  llr = 296  E-value = {e}\n{STARS}", m.id, k + 1, 20).unwrap();
        writeln!(
            s,
            "{RULE}\n\tMotif {} MEME-{} Description\n{RULE}",
            m.id,
            k + 1
        )
        .unwrap();
        writeln!(s, "Simplified        A  :::::::::\npos.-specific     C  :6:2:8:::\nprobability       G  a4a8a2aaa\nmatrix            T  :::::::::\n\n         bits    2.0\n                 1.8\nRelative         1.2\nEntropy          0.6\n(15.9 bits)      0.0\n\nMultilevel           {}\nconsensus\n", m.consensus()).unwrap();
        writeln!(s, "{RULE}\n\tMotif {} MEME-{} sites sorted by position p-value\n{RULE}\nSequence name            Strand  Start   P-value                 Site\n-------------            ------  ----- ---------            ----------\nchr1:100-200                 +     17  1.65e-08 TAATGTTTGT {} CACAC\n{RULE}\n", m.id, k + 1, m.consensus()).unwrap();
        writeln!(s, "{RULE}\n\tMotif {} MEME-{} block diagrams\n{RULE}\nSEQUENCE NAME            POSITION P-VALUE  MOTIF DIAGRAM\n-------------            ----------------  -------------\nchr1:100-200                      1.6e-08  16_[+1]_74\n{RULE}\n", m.id, k + 1).unwrap();
        writeln!(s, "{RULE}\n\tMotif {} MEME-{} in BLOCKS format\n{RULE}\nBL   MOTIF {} width={w} seqs=20\nchr1:100-200             (   17) {} 1 \n//\n\n{RULE}\n", m.id, k + 1, m.id, m.consensus()).unwrap();
        writeln!(
            s,
            "{RULE}\n\tMotif {} MEME-{} position-specific scoring matrix\n{RULE}",
            m.id,
            k + 1
        )
        .unwrap();
        writeln!(
            s,
            "log-odds matrix: alength= 4 w= {w} n= 1790 bayes= 7.75 E= {e} "
        )
        .unwrap();
        for r in &m.rows {
            writeln!(s, "{}", log_odds(r)).unwrap();
        }
        writeln!(
            s,
            "{RULE}\n\n{RULE}\n\tMotif {} MEME-{} position-specific probability matrix\n{RULE}",
            m.id,
            k + 1
        )
        .unwrap();
        writeln!(
            s,
            "letter-probability matrix: alength= 4 w= {w} nsites= 20 E= {e} "
        )
        .unwrap();
        prob_rows(m, &mut s);
        writeln!(s, "{RULE}\n\nTime  0.42 secs.\n").unwrap();
        writeln!(s, "{STARS}\n").unwrap();
    }
    writeln!(s, "\n{STARS}\nSUMMARY OF MOTIFS\n{STARS}\n\n{RULE}\n\tCombined block diagrams: non-overlapping sites with p-value < 0.0001\n{RULE}\nchr1:100-200                     1.27e-05  16_[+1(1.65e-08)]_74\n{RULE}\n\n{STARS}\n\nStopped because requested number of motifs (3) found.\n\n{STARS}\n\nCPU: host\n\n{STARS}").unwrap();
    s
}

/// A `MEME version 3` file: `MOTIF <n>\twidth = …` lines, log-odds then probabilities with
/// `n=` and E-values with three-digit exponents.
fn meme3_file(motifs: &[Motif]) -> String {
    let mut s = String::from(
        "MEME version 3.0\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies (from dataset with add-one prior applied):\nA 0.25000 C 0.25000 G 0.25000 T 0.25000 \n\n",
    );
    for m in motifs {
        let w = m.width();
        writeln!(
            s,
            "MOTIF {}\twidth =   {w}   sites =  20   llr = 274   E-value = 3.0e-012\n",
            m.id
        )
        .unwrap();
        writeln!(
            s,
            "log-odds matrix: alength= 4 w= {w} n= 1790 bayes= 4.2 E= 3.0e-012"
        )
        .unwrap();
        for r in &m.rows {
            writeln!(s, "{}", log_odds(r)).unwrap();
        }
        writeln!(
            s,
            "\nletter-probability matrix: alength= 4 w= {w} n= 20 E= 3.0e-012"
        )
        .unwrap();
        prob_rows(m, &mut s);
        writeln!(s).unwrap();
    }
    s
}

/// Minimal MEME 4 with URL lines, log-odds after the probabilities (no width given),
/// E-values as `2e+03` and `1e-1200`, no blank line before the next MOTIF.
fn minimal_with_extras(motifs: &[Motif]) -> String {
    let mut s = String::from(
        "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n",
    );
    for (k, m) in motifs.iter().enumerate() {
        match &m.alt_name {
            Some(a) => writeln!(s, "MOTIF {} {a}", m.id).unwrap(),
            None => writeln!(s, "MOTIF {}", m.id).unwrap(),
        }
        let e = if k % 2 == 0 { "2e+03" } else { "1e-1200" };
        writeln!(
            s,
            "letter-probability matrix: alength= 4 w= {} nsites= 20 E= {e}",
            m.width()
        )
        .unwrap();
        prob_rows(m, &mut s);
        writeln!(s, "URL http://jaspar.genereg.net/matrix/{}", m.id).unwrap();
        writeln!(s, "log-odds matrix: alength= 4").unwrap();
        for r in &m.rows {
            writeln!(s, "{}", log_odds(r)).unwrap();
        }
    }
    s
}

/// The motifs of `path` as probabilities, then through a clean minimal MEME file (shortest
/// exact numbers), as every dialect writes the same numbers.
fn clean_equivalent(path: &std::path::Path) -> Vec<Motif> {
    let set = read_motifs_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!set.motifs.is_empty(), "{}: no motifs", path.display());
    let probs: Vec<Motif> = set.motifs.iter().map(Motif::to_probabilities).collect();
    let mut buf = Vec::new();
    meme::write_meme(&mut buf, &probs, None, None).unwrap();
    meme::read_meme(&mut buf.as_slice(), "clean")
        .unwrap()
        .motifs
}

fn assert_same_matrices(name: &str, dialect: &str, got: &[Motif], want: &[Motif], alt: bool) {
    assert_eq!(got.len(), want.len(), "{name} as {dialect}: motif count");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.id, w.id, "{name} as {dialect}");
        assert_eq!(g.rows, w.rows, "{name} as {dialect}: motif {}", w.id);
        if alt {
            assert_eq!(
                g.alt_name, w.alt_name,
                "{name} as {dialect}: motif {}",
                w.id
            );
        }
    }
}

#[test]
fn every_shared_motif_file_reads_alike_in_every_meme_dialect() {
    let files = shared_motif_files();
    assert!(files.len() >= 12, "only {} motif files found", files.len());
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let want = clean_equivalent(path);
        // Through the format detection and file reader, as the commands read them.
        let dir = TempDir::new();
        for (dialect, text, alt) in [
            ("meme5-output", meme5_output(&want), false),
            ("meme3", meme3_file(&want), false),
            ("minimal+url+log-odds", minimal_with_extras(&want), true),
        ] {
            let p = dir.path().join(format!("{dialect}.txt"));
            std::fs::write(&p, &text).unwrap();
            let got = read_motifs_file(&p).unwrap_or_else(|e| panic!("{name} as {dialect}: {e}"));
            assert!(
                got.warnings.is_empty(),
                "{name} as {dialect}: {:?}",
                &got.warnings[..1]
            );
            assert_same_matrices(&name, dialect, &got.motifs, &want, alt);
        }
        eprintln!("{name}: {} motifs, 3 dialects", want.len());
    }
}

#[test]
fn meme_dialect_details() {
    let text = meme3_file(&clean_equivalent(std::path::Path::new(&format!(
        "{DATA}/golden/jaspar2024_12motifs.meme"
    ))));
    let set = meme::read_meme(&mut text.as_bytes(), "v3").unwrap();
    // `MOTIF MA…\twidth = …`: no alternative name, `n=` is the number of sites.
    assert_eq!(set.motifs[0].alt_name, None);
    assert_eq!(set.motifs[0].nsites, Some(20.0));
    assert_eq!(set.motifs[0].evalue, Some(3.0e-12));
    assert_eq!(set.background.unwrap().0, [0.25; 4]);
    let m = minimal_with_extras(&set.motifs[..2]);
    let set = meme::read_meme(&mut m.as_bytes(), "extras").unwrap();
    assert_eq!(set.motifs[0].evalue, Some(2000.0));
    assert_eq!(set.motifs[1].evalue, Some(0.0));
    assert!(
        set.motifs[0]
            .url
            .as_deref()
            .unwrap()
            .ends_with(&set.motifs[0].id)
    );
}

#[test]
fn all_zero_rows_warn_like_rows_that_do_not_sum_to_one() {
    let text = "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF a\nletter-probability matrix: alength= 4 w= 3\n0.25 0.25 0.25 0.25\n0 0 0 0\n0.1 0.1 0.1 0.1\n\nMOTIF b\nletter-probability matrix: alength= 4 w= 2\n0.1 0.1 0.1 0.1\n1 0 0 0\n\nMOTIF c\nletter-probability matrix: alength= 4 w= 2\n0 0 0 0\n1 0 0 0\n";
    let set = meme::read_meme(&mut text.as_bytes(), "z.meme").unwrap();
    assert_eq!(set.warnings.len(), 3, "{:?}", set.warnings);
    assert!(
        set.warnings[0].message.contains("all zero"),
        "{}",
        set.warnings[0]
    );
    assert!(
        set.warnings[0].message.contains("normalised"),
        "{}",
        set.warnings[0]
    );
    assert!(
        set.warnings[1].message.contains("normalised"),
        "{}",
        set.warnings[1]
    );
    assert!(
        set.warnings[2].message.contains("all zero"),
        "{}",
        set.warnings[2]
    );
    assert_eq!(set.motifs[0].rows[1], [0.25; 4]);
    assert_eq!(set.motifs[2].rows[0], [0.25; 4]);
    // Count matrices: a position without counts is warned about too.
    let jaspar = ">MA1 x\nA [ 1 0 ]\nC [ 2 0 ]\nG [ 3 0 ]\nT [ 4 0 ]\n";
    let set = explainn_motif::io::jaspar::read_jaspar(&mut jaspar.as_bytes(), "z.jaspar").unwrap();
    assert_eq!(set.warnings.len(), 1);
    assert!(
        set.warnings[0].message.contains("no counts"),
        "{}",
        set.warnings[0]
    );
}

#[test]
fn a_fasta_file_given_as_motifs_says_so_briefly() {
    let dir = TempDir::new();
    let seq = "ACGT".repeat(50);
    for (name, text, kind) in [
        (
            "peaks.fa",
            format!(">chr1:1-201\n{seq}\n>chr1:300-500\n{seq}\n"),
            "FASTA",
        ),
        (
            "reads.fq",
            format!("@r1\n{seq}\n+\n{}\n", "I".repeat(200)),
            "FASTQ",
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let e = read_motifs_file(&p).unwrap_err().to_string();
        assert!(
            e.contains(&format!("looks like a {kind} sequence file")) && e.contains(":2:"),
            "{e}"
        );
        assert!(e.len() < 220, "{} characters: {e}", e.len());
        assert!(!e.contains(&seq[..40]), "{e}");
    }
    // The HOCOMOCO reader on its own says so too, without the whole row.
    let text = format!(">x\n{seq}\n");
    let e = explainn_motif::io::hocomoco::read_hocomoco(&mut text.as_bytes(), "s.txt")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a sequence of 200 letters") && e.len() < 150,
        "{e}"
    );
}
