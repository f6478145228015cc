//! Variant effects (`explainn variants MODEL VCF --genome G`): for every SNV or short
//! indel of a VCF (noodles), the model's logits on the reference and the alternative
//! sequence, each a window of the model's length with the variant's first base at its
//! centre (position L / 2; the alternative allele replaces the reference one and the right
//! flank follows, so indels keep the window length), strand-averaged under the shared rule.
//!
//! Output TSV, one row per (variant, alternative allele, class): `chrom, pos, id, ref, alt,
//! class, ref_logit, alt_logit, delta` (alt − ref), `log2fc` of the predictions (through
//! the model's output function; `NA` where one is not positive) and, for models that sum
//! per-unit terms (ExplaiNN), the unit whose contribution W[c, u]·o_u changes most:
//! `top_unit, top_unit_label, top_unit_delta`.
//!
//! Checked before any prediction: every contig is in the genome and every reference
//! allele matches it (an error naming the VCF line, or counted and skipped with
//! `skip_mismatch`). Symbolic and breakend alleles (`<DEL>`, `]chr2:5]N`, `*`) and alleles
//! longer than `max_indel` are skipped and counted. Windows that run past a chromosome end
//! are padded with N and counted.

use crate::output::TextOutput;
use crate::{Result, RunError, file_error};
use explainn_nn::{ModelFile, Predictor};
use noodles::vcf;
use noodles::vcf::variant::record::AlternateBases as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A variant-effect run.
#[derive(Debug, Clone)]
pub struct VariantsRequest {
    /// Model path (run directory or model file): unit labels come from its interpretation.
    pub model_path: PathBuf,
    pub vcf: PathBuf,
    pub genome: PathBuf,
    pub output: PathBuf,
    /// Count and skip records whose reference allele disagrees with the genome.
    pub skip_mismatch: bool,
    /// Longest reference or alternative allele scored (default 50).
    pub max_indel: usize,
    pub annotation: Option<PathBuf>,
    pub forward_only: bool,
    pub batch_size: usize,
    pub device: explainn_nn::Device,
}

/// What a run scored and skipped.
#[derive(Debug, Clone, Default)]
pub struct VariantsOutcome {
    pub scored: usize,
    pub mismatches: usize,
    pub unsupported: usize,
    pub padded: usize,
    pub both_strands: bool,
}

/// One alternative allele of a VCF record, checked against the genome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub chrom: String,
    /// 1-based VCF position of the reference allele's first base.
    pub pos: usize,
    /// The record's ID column (`.` when empty).
    pub id: String,
    pub reference: String,
    pub alt: String,
}

/// What [`read_variants`] skipped and counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Records whose reference allele disagrees with the genome (with `skip_mismatch`).
    pub mismatches: usize,
    /// Symbolic, breakend or too-long alleles.
    pub unsupported: usize,
}

/// Read the SNVs and short indels of the VCF at `vcf` (plain or gzip), each alternative
/// allele checked against `genome`: a contig the genome lacks, a malformed record or a
/// reference allele that disagrees with the genome is an error naming the line (the last
/// counted and skipped with `skip_mismatch`); symbolic and breakend alleles and alleles
/// longer than `max_indel` are counted and skipped.
pub fn read_variants(
    vcf: &Path,
    genome: &Path,
    skip_mismatch: bool,
    max_indel: usize,
) -> Result<(Vec<Variant>, Skipped)> {
    let mut g = explainn_seq::bed::Genome::open(genome)?;
    let mut skipped = Skipped::default();
    let v = read_alleles(vcf, genome, &mut g, skip_mismatch, max_indel, &mut skipped)?;
    Ok((v, skipped))
}

fn is_plain(allele: &str) -> bool {
    !allele.is_empty() && allele.bytes().all(|b| b"ACGTNacgtn".contains(&b))
}

/// [`read_variants`] on an open genome (`genome_path` names it in messages).
fn read_alleles(
    path: &Path,
    genome_path: &Path,
    genome: &mut explainn_seq::bed::Genome,
    skip_mismatch: bool,
    max_indel: usize,
    out: &mut Skipped,
) -> Result<Vec<Variant>> {
    let io = |e: std::io::Error| file_error(path, e);
    check_vcf_start(path)?;
    let mut reader =
        vcf::io::Reader::new(explainn_seq::records::open_decompressed(path).map_err(io)?);
    reader
        .read_header()
        .map_err(|e| file_error(path, format!("not a VCF header: {e}")))?;
    // Data lines follow the header's lines (meta lines and the #CHROM line).
    let first_line = header_lines(path)? + 1;
    let mut alleles = Vec::new();
    for (k, rec) in reader.records().enumerate() {
        let line = first_line + k;
        let at = |msg: String| file_error(path, format!("line {line}: {msg}"));
        let rec = rec.map_err(|e| at(e.to_string()))?;
        let chrom = rec.reference_sequence_name().to_string();
        let pos = match rec.variant_start() {
            Some(Ok(p)) => usize::from(p),
            Some(Err(e)) => return Err(at(format!("bad POS: {e}"))),
            None => return Err(at("no POS".into())),
        };
        let reference = rec.reference_bases().to_string();
        let Some(len) = genome.length(&chrom) else {
            return Err(at(format!(
                "contig `{chrom}` is not in the genome {} (its contigs: {})",
                genome_path.display(),
                genome
                    .chromosomes()
                    .iter()
                    .take(5)
                    .map(|c| c.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        if !is_plain(&reference) {
            return Err(at(format!(
                "reference allele `{reference}` is not A/C/G/T/N bases"
            )));
        }
        let end = pos - 1 + reference.len();
        if end as u64 > len {
            return Err(at(format!(
                "{chrom}:{pos} {reference} runs past the contig's end ({len} bp)"
            )));
        }
        let found = genome
            .fetch(&chrom, (pos - 1) as u64, end as u64)
            .map_err(RunError::from)?;
        if !found.eq_ignore_ascii_case(reference.as_bytes()) {
            if skip_mismatch {
                out.mismatches += 1;
                continue;
            }
            return Err(at(format!(
                "reference allele {reference} at {chrom}:{pos} does not match the genome ({}); wrong genome build? (--skip-mismatch counts and skips such records)",
                String::from_utf8_lossy(&found)
            )));
        }
        let id = match rec.ids().as_ref() {
            "" => ".".to_string(),
            s => s.to_string(),
        };
        for alt in rec.alternate_bases().iter() {
            let alt = alt.map_err(|e| at(e.to_string()))?;
            if !alt.is_empty()
                && !alt.starts_with('<')
                && alt.bytes().all(|b| b.is_ascii_alphabetic())
                && alt.bytes().any(|b| b"RYSWKMBDHVrysbkmbdhv".contains(&b))
            {
                return Err(at(format!(
                    "ALT allele {alt} at {chrom}:{pos} holds an IUPAC ambiguity code; VCF alleles are spelled with A, C, G, T and N (or symbolic <…>): give one allele per base"
                )));
            }
            if !is_plain(alt) || alt.len().max(reference.len()) > max_indel {
                out.unsupported += 1;
                continue;
            }
            alleles.push(Variant {
                chrom: chrom.clone(),
                pos,
                id: id.clone(),
                reference: reference.clone(),
                alt: alt.to_string(),
            });
        }
    }
    Ok(alleles)
}

/// Refuse a file that does not start as a VCF does (`##fileformat=VCF…`), saying what it
/// looks like instead.
fn check_vcf_start(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut r = explainn_seq::records::open_decompressed(path).map_err(|e| file_error(path, e))?;
    let mut head = Vec::new();
    r.by_ref()
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| file_error(path, e))?;
    if head.starts_with(b"##fileformat=VCF") {
        return Ok(());
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let cols: Vec<&[u8]> = first.split(|&b| b == b'\t').collect();
    let number = |c: &[u8]| !c.is_empty() && c.iter().all(u8::is_ascii_digit);
    let looks = if head.is_empty() {
        "it is empty".to_string()
    } else if head.iter().any(|&b| b == 0 || (b < 0x09)) {
        "it is binary".to_string()
    } else if cols.len() >= 3 && number(cols[1]) && number(cols[2]) {
        "it looks like a BED file".to_string()
    } else if first.starts_with(b">") {
        "it looks like FASTA".to_string()
    } else {
        format!(
            "it starts with `{}`",
            String::from_utf8_lossy(&first[..first.len().min(40)])
        )
    };
    Err(file_error(
        path,
        format!("is not a VCF file ({looks}); a VCF starts with a `##fileformat=VCFv4.x` line"),
    ))
}

/// Number of header lines (`##…` and `#CHROM…`) at the top of the VCF.
fn header_lines(path: &Path) -> Result<usize> {
    use std::io::BufRead;
    let r = explainn_seq::records::open_decompressed(path).map_err(|e| file_error(path, e))?;
    let mut n = 0;
    for line in r.lines() {
        let line = line.map_err(|e| file_error(path, e))?;
        if !line.starts_with('#') {
            break;
        }
        n += 1;
    }
    Ok(n)
}

/// Reference and alternative windows `(L)` of one allele: the variant's first base at L/2.
fn windows(
    a: &Variant,
    l: usize,
    genome: &mut explainn_seq::bed::Genome,
    padded: &mut usize,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let len = genome.length(&a.chrom).expect("checked") as i64;
    let v = a.pos as i64 - 1;
    let left = l as i64 / 2;
    let mut fetch = |from: i64, to: i64| -> Result<Vec<u8>> {
        // [from, to) clipped to the contig, N outside.
        let (s, e) = (from.clamp(0, len), to.clamp(0, len));
        let mut out = vec![b'N'; (s - from).max(0) as usize];
        if e > s {
            out.extend(genome.fetch(&a.chrom, s as u64, e as u64)?);
        }
        out.resize((to - from) as usize, b'N');
        Ok(out)
    };
    let flank_left = fetch(v - left, v)?;
    let after = v + a.reference.len() as i64;
    let flank_right = fetch(after, after + l as i64)?;
    // The bases of the right flank that a window uses: L − L/2 − the shorter allele.
    let shorter = a.reference.len().min(a.alt.len()) as i64;
    let used_right = (l as i64 - left - shorter).max(0);
    if v - left < 0 || after + used_right > len {
        *padded += 1;
    }
    let build = |allele: &str| {
        let mut s = flank_left.clone();
        s.extend_from_slice(allele.as_bytes());
        s.extend_from_slice(&flank_right);
        s.truncate(l);
        explainn_seq::encode::to_codes(&s)
    };
    Ok((build(&a.reference), build(&a.alt)))
}

/// Run `req` on `model`.
pub fn variants_run(model: ModelFile, req: &VariantsRequest) -> Result<VariantsOutcome> {
    variants_run_with(model, req, &|_, _| {})
}

/// [`variants_run`] reporting progress: `progress(scored, total)` after each batch of
/// alleles.
pub fn variants_run_with(
    model: ModelFile,
    req: &VariantsRequest,
    progress: &dyn Fn(u64, u64),
) -> Result<VariantsOutcome> {
    let meta = model.metadata.clone();
    let classes = meta.class_names.clone();
    let cn = classes.len();
    let both = crate::policy::both_strands(&meta, req.forward_only);
    let l = model.model.input_length();
    let mut genome = explainn_seq::bed::Genome::open(&req.genome)?;
    let mut outcome = VariantsOutcome {
        both_strands: both,
        ..Default::default()
    };
    let mut skipped = Skipped::default();
    let alleles = read_alleles(
        &req.vcf,
        &req.genome,
        &mut genome,
        req.skip_mismatch,
        req.max_indel,
        &mut skipped,
    )?;
    outcome.mismatches = skipped.mismatches;
    outcome.unsupported = skipped.unsupported;
    if alleles.is_empty() {
        return Err(file_error(&req.vcf, "holds no SNV or short indel to score"));
    }
    let (units, labels) =
        crate::labels::final_layer_units(&req.model_path, req.annotation.as_deref(), &model)?;
    let loss = crate::policy::output_loss(&meta, &[0.0, 1.0]);
    let p = Predictor::new(model.model, req.device.clone(), req.batch_size);
    let mut f = TextOutput::create(&req.output)?;
    let header = "chrom\tpos\tid\tref\talt\tclass\tref_logit\talt_logit\tdelta\tlog2fc";
    let mut text = String::from(header);
    if units.is_some() {
        text += "\ttop_unit\ttop_unit_label\ttop_unit_delta";
    }
    text.push('\n');
    for chunk in alleles.chunks(req.batch_size.max(1)) {
        let (mut rc, mut ac) = (Vec::new(), Vec::new());
        for a in chunk {
            let (r, x) = windows(a, l, &mut genome, &mut outcome.padded)?;
            rc.extend(r);
            ac.extend(x);
        }
        let (sr, sa) = (
            explainn_ops::gia::score(&p, &rc, both, true)?,
            explainn_ops::gia::score(&p, &ac, both, true)?,
        );
        for (i, a) in chunk.iter().enumerate() {
            let (pr, pa) = {
                let mut r = sr.logits[i * cn..(i + 1) * cn].to_vec();
                let mut x = sa.logits[i * cn..(i + 1) * cn].to_vec();
                loss.activate(&mut r);
                loss.activate(&mut x);
                (r, x)
            };
            for (c, name) in classes.iter().enumerate() {
                let (fr, fa) = (sr.logits[i * cn + c], sa.logits[i * cn + c]);
                let lfc = if pr[c] > 0.0 && pa[c] > 0.0 {
                    format!("{}", (pa[c] / pr[c]).log2())
                } else {
                    "NA".into()
                };
                text += &format!(
                    "{}\t{}\t{}\t{}\t{}\t{name}\t{fr}\t{fa}\t{}\t{lfc}",
                    a.chrom,
                    a.pos,
                    a.id,
                    a.reference,
                    a.alt,
                    fa - fr
                );
                if let (Some(u), Some(cr), Some(ca)) = (units, &sr.contributions, &sa.contributions)
                {
                    let at = |k: usize| (i * cn + c) * u + k;
                    let (k, d) = (0..u)
                        .map(|k| (k, ca[at(k)] - cr[at(k)]))
                        .max_by(|x, y| x.1.abs().total_cmp(&y.1.abs()).then(y.0.cmp(&x.0)))
                        .expect("at least one unit");
                    text += &format!("\tunit{k}\t{}\t{d}", labels[k]);
                }
                text.push('\n');
            }
            outcome.scored += 1;
        }
        progress(outcome.scored as u64, alleles.len() as u64);
    }
    f.write_all(text.as_bytes())
        .map_err(|e| file_error(&req.output, e))?;
    f.commit()?;
    Ok(outcome)
}
