//! Command-line flags, as clap parses them. Resolution into settings (target,
//! threads, vars) happens in `cli::workspace`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "jmap",
    version,
    about = "Build customer journey maps inside your warehouse",
    long_about = "jmap compiles templated SQL models (yours and the built-in journey package) \
into a DAG and builds them in your warehouse (DuckDB or PostgreSQL): touchpoints, sessions, \
identities, accounts, stages, journeys, paths and attribution, as plain tables for your BI tool."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project that runs as it is
    Init(InitArgs),
    /// Check journey.yaml, the project files and the warehouse connection
    Debug(ProjectArgs),
    /// Render models to SQL in target/compiled and write target/manifest.json
    Compile(CompileArgs),
    /// Build the selected models in the warehouse (loading sources first)
    Run(RunArgs),
    /// Build the selected models and run their tests, in dependency order (unit tests first)
    Build(RunArgs),
    /// Run the data tests (and with --unit, the unit tests) of the selected models
    Test(TestArgs),
    /// Source commands: `jmap source freshness`
    Source(SourceArgs),
    /// Copy sources that live elsewhere (files, other Postgres databases) into the warehouse
    Load(LoadArgs),
    /// List models and sources
    Ls(LsArgs),
    /// Print the first rows of a model's table
    Show(ShowArgs),
    /// Delete target/ (compiled SQL, artifacts; the DuckDB warehouse is kept unless --all)
    Clean(CleanArgs),
    /// Write a synthetic B2B dataset (CSV files of every source kind)
    Generate(GenerateArgs),
    /// Write a static site: models with lineage, and the journey map of the last run
    Docs(DocsArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ProjectArgs {
    /// Project directory (holding journey.yaml)
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub project_dir: PathBuf,
    /// Target (warehouse) from journey.yaml `targets:`
    #[arg(long, short = 't', global = true, value_name = "NAME")]
    pub target: Option<String>,
    /// Variables overriding journey.yaml `vars:`, as YAML or JSON: '{lookback_days: 90}'
    #[arg(long, global = true, value_name = "YAML")]
    pub vars: Option<String>,
    /// Output: human-readable text, or one JSON object per event (for CI)
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct CiArgs {
    /// Write a JUnit XML report of models and tests (for CI test panes)
    #[arg(long, value_name = "PATH")]
    pub junit_xml: Option<PathBuf>,
    /// Keep each failing test's rows in the <schema>_audit schema
    #[arg(long)]
    pub store_failures: bool,
    /// Compare against the manifest.json in this directory (for --select state:modified)
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct SelectArgs {
    /// Nodes to include: name, +name, name+, 2+name, @name, tag:x, path:models/x, source:x+
    /// (space = union, comma = intersection)
    #[arg(long, short = 's', num_args = 1.., value_name = "SELECTOR")]
    pub select: Vec<String>,
    /// Nodes to leave out (same grammar)
    #[arg(long, num_args = 1.., value_name = "SELECTOR")]
    pub exclude: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create
    pub name: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Compile as a full refresh (is_incremental() is false)
    #[arg(long)]
    pub full_refresh: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Models built at once (default: the target's `threads`, else 1 on DuckDB, which uses every core per query, and the number of cores on Postgres)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Rebuild incremental models from scratch
    #[arg(long)]
    pub full_refresh: bool,
    /// Stop at the first failure instead of building independent branches
    #[arg(long, short = 'x')]
    pub fail_fast: bool,
    /// If another run holds this target, wait for it instead of failing
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub ci: CiArgs,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Tests run at once (default: the target's `threads`, else 1 on DuckDB and the number of cores on Postgres)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Run the unit tests (given rows in, expected rows out) instead of the data tests
    #[arg(long)]
    pub unit: bool,
    /// Stop at the first failure
    #[arg(long, short = 'x')]
    pub fail_fast: bool,
    #[command(flatten)]
    pub ci: CiArgs,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    #[command(subcommand)]
    pub command: SourceCommand,
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Check each source's newest `loaded_at` against its freshness limits
    Freshness(FreshnessArgs),
}

#[derive(Debug, Args)]
pub struct FreshnessArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Sources to check, as group or group.table (default: all with freshness)
    #[arg(long, short = 's', num_args = 1.., value_name = "SOURCE")]
    pub select: Vec<String>,
    #[command(flatten)]
    pub ci: CiArgs,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Sources to load, as group or group.table (default: all)
    #[arg(long, short = 's', num_args = 1.., value_name = "SOURCE")]
    pub select: Vec<String>,
    /// If another run holds this target, wait for it instead of failing
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LsOutput {
    Name,
    Json,
    Table,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ResourceType {
    Model,
    Source,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output format
    #[arg(long, short = 'o', value_enum, default_value = "name")]
    pub output: LsOutput,
    /// Only this kind of node
    #[arg(long, value_enum)]
    pub resource_type: Option<ResourceType>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Model to show, or `attribution` for channels x attribution models side by side
    pub model: String,
    /// With `attribution`: the conversion type (default: the last of journey.conversions)
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// Rows to print
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Also delete the DuckDB warehouse file in target/
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write the CSV files and truth.json to
    #[arg(long, default_value = "fixtures", value_name = "DIR")]
    pub out: PathBuf,
    /// Number of accounts (companies): rows grow linearly, about 350 per account
    #[arg(long, default_value_t = 300, value_name = "N")]
    pub accounts: u64,
    /// Random seed: the same seed writes byte-identical files
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct DocsArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Directory to write the site to (default: target/docs in the project)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Serve the site on http://127.0.0.1:PORT after writing it
    #[arg(long)]
    pub serve: bool,
    /// Port for --serve
    #[arg(long, default_value_t = 8080, value_name = "PORT")]
    pub port: u16,
}
