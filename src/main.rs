fn main() {
    std::process::exit(scanqr::app::main());
}
