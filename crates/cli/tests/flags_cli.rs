//! Issue 35: every command that runs a model takes `--device`, `--threads` and
//! `--batch-size` from one flag group, with the defaults of `explainn_ops::defaults`.

mod common;

use common::{ok, run};

#[test]
fn every_computing_command_shares_device_threads_and_batch_size() {
    let batch = format!("[default: {}]", explainn_ops::defaults::BATCH_SIZE);
    let device = format!("[default: {}]", explainn_ops::defaults::DEVICE);
    for cmd in [
        "predict",
        "test",
        "explain",
        "interpret",
        "attribute",
        "gia",
        "variants",
        "report",
        "train",
        "finetune",
    ] {
        let o = run(&[cmd, "--help"]);
        ok(&o);
        let help = String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for flag in ["--device", "--threads", "--batch-size"] {
            assert!(help.contains(flag), "{cmd} lacks {flag}");
        }
        assert!(help.contains(&device), "{cmd}: device default");
        let want = if matches!(cmd, "train" | "finetune") {
            format!(
                "[default: {}; {} for argminn]",
                explainn_ops::defaults::TRAIN_BATCH_SIZE,
                explainn_run::train_spec::ARGMINN_BATCH_SIZE
            )
        } else {
            batch.clone()
        };
        let at = help.find("--batch-size").unwrap();
        assert!(
            help[at..].split(" --").next().unwrap().contains(&want),
            "{cmd}: batch default is not {want}"
        );
    }
}
