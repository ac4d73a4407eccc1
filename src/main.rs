// Compiling a large project makes hundreds of thousands of small allocations
// (template values, JSON, paths); mimalloc cuts glibc malloc's share of
// `jmap compile` at 5,000 models. With its `override` feature it also serves
// DuckDB's C++ allocations, which glibc malloc handed back to the kernel and
// faulted in again (3.7M page faults in a cold 10M-event `jmap run`, 0.2M with
// mimalloc): 81-83 user CPU s instead of 87-90, 2-12 s less wall time over
// alternated runs, for about 1.5 GB more peak memory. Its transparent huge
// pages cost a 1M-event run about 1 s (MIMALLOC_ALLOW_THP=0 turns them off);
// BENCHMARKS.md, issue 4.
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
