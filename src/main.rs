use clap::FromArgMatches;

fn main() -> std::process::ExitCode {
    let matches = cachecore::cli::command().get_matches();
    let cli = match cachecore::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // One connection and batched round trips: a single thread keeps up with Redis.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cachecore: error: cannot start the async runtime: {err}");
            return std::process::ExitCode::from(cachecore::error::Exit::Failed.code() as u8);
        }
    };
    let exit = runtime.block_on(cachecore::run(cli));
    std::process::ExitCode::from(exit.code() as u8)
}
