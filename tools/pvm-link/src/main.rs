//! `pvm-link INPUT.elf OUTPUT.polkavm`
//!
//! Thin wrapper around `polkavm_linker::program_from_elf` targeting the JamV1
//! instruction set with the linker's default configuration (debug info stripped).

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn run(input: &str, output: &str) -> Result<(), String> {
    let elf = std::fs::read(input).map_err(|e| format!("cannot read {input}: {e}"))?;

    let mut config = polkavm_linker::Config::default();
    config.set_strip(true);

    let blob = polkavm_linker::program_from_elf(config, polkavm_linker::TargetInstructionSet::JamV1, &elf)
        .map_err(|e| format!("failed to link {input}: {e}"))?;

    // Sanity check: the result must parse as a program blob.
    polkavm_linker::ProgramBlob::parse(blob.clone().into())
        .map_err(|e| format!("linker produced an unparsable blob for {input}: {e}"))?;

    std::fs::write(output, &blob).map_err(|e| format!("cannot write {output}: {e}"))?;
    eprintln!("pvm-link: {input} -> {output} ({} bytes)", blob.len());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} INPUT.elf OUTPUT.polkavm", args.first().map(String::as_str).unwrap_or("pvm-link"));
        return ExitCode::from(2);
    }
    match run(&args[1], &args[2]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("pvm-link: error: {msg}");
            ExitCode::FAILURE
        }
    }
}
