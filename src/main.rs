// Compiling a large project makes hundreds of thousands of small allocations
// (template values, JSON, paths); mimalloc cuts glibc malloc's share of
// `jmap compile` at 5,000 models. With its `override` feature it also serves
// DuckDB's C++ allocations, which glibc malloc handed back to the kernel and
// faulted in again (3.7M page faults in a cold 10M-event `jmap run`, 0.2M with
// mimalloc): 81-83 user CPU s instead of 87-90, 2-12 s less wall time over
// alternated runs, for about 1.5 GB more peak memory (BENCHMARKS.md, issue 4).
// Its transparent huge pages are turned off in main.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Exit quietly when the reader of our output goes away (`jmap ls | head`),
    // as other Unix tools do, instead of panicking on a broken pipe.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // No transparent huge pages for this process. mimalloc asks for them, and
    // DuckDB frees and reallocates gigabytes per model: each fault then
    // zeroes 2 MB, however little of it is used. At 10M events the kernel's
    // page clearing was half of all CPU time in `int_web_events` (perf), with
    // 32-49 system CPU s for the model; 13-27 s without (BENCHMARKS.md,
    // issue 4). The same as MIMALLOC_ALLOW_THP=0, without the variable.
    // Best effort: where the call fails, huge pages only cost time.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    std::process::exit(jmap::cli::main());
}
