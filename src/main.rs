fn main() {
    // Exit quietly when the reader of our output goes away (`jmap ls | head`),
    // as other Unix tools do, instead of panicking on a broken pipe.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(jmap::cli::main());
}
