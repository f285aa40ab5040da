//! `sls print`: the resolved configuration, as Serverless v3 prints it.

use sls_config::PrintFormat;

use crate::cli::{PrintArgs, PrintFormatArg};
use crate::error::{hinted, CliResult};
use crate::host::Host;
use crate::service::{self, CommandOptions};

pub fn run(args: &PrintArgs, host: &Host) -> CliResult {
    // `${opt:format}`: v3 sees no option for the default, yaml.
    let (format, format_option) = match args.format {
        PrintFormatArg::Yaml => (PrintFormat::Yaml, None),
        PrintFormatArg::Json => (PrintFormat::Json, Some("json")),
        PrintFormatArg::Text => (PrintFormat::Text, Some("text")),
    };
    let command = CommandOptions::default()
        .text("format", format_option)
        .text("path", args.path.as_ref())
        .text("transform", args.transform.as_ref());
    let loaded = service::load(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        true,
    )?;
    // Like v3, print resolves AWS variables too (with the credentials of the stage).
    let service = crate::aws_vars::resolve_full_lazily(host, &loaded)?;
    crate::policy::show_warnings(&service);
    let text = sls_config::render_print(
        &service.config,
        format,
        args.path.as_deref(),
        args.transform.as_deref(),
    )
    .map_err(|e| hinted(&e))?;
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    Ok(())
}
