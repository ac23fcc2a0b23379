//! The `polyconform` binary: everything is in `polyconform::cli`.

fn main() -> std::process::ExitCode {
    polyconform::cli::main()
}
