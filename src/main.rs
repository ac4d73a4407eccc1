// Compiling a large project makes hundreds of thousands of small allocations
// (template values, JSON, paths); mimalloc cuts glibc malloc's share of
// `jmap compile` at 5,000 models. Only Rust's allocations use it: DuckDB's C++
// still allocates through the C library's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Exit quietly when the reader of our output goes away (`jmap ls | head`),
    // as other Unix tools do, instead of panicking on a broken pipe.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(jmap::cli::main());
}
