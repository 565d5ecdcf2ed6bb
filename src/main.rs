fn main() {
    std::process::exit(scanqr::cli::main());
}
