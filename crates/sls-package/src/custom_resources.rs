//! `custom-resources.zip`: sls's own handlers for the custom resources v3 compiles (see
//! `sls_compile::custom_resources`). One Python file, embedded in the binary, so the zip is the
//! same bytes on every machine and for every service.

use std::path::Path;

use crate::error::Result;
use crate::zipper::{self, Artifact};
use sls_compile::custom_resources::ARTIFACT_NAME;

/// The handlers' source (Python 3.12; boto3 comes with the Lambda runtime).
pub const HANDLER_SOURCE: &str = include_str!("custom_resources.py");
/// Its name in the zip: the module of every `Handler` (`custom_resources.s3`, ...).
pub const HANDLER_FILE: &str = "custom_resources.py";

/// Writes `<out>/custom-resources.zip` and returns it as an artifact of no function of the
/// service (the template's custom-resource functions name it by file name).
pub fn write_zip(out: &Path) -> Result<Artifact> {
    let path = out.join(ARTIFACT_NAME);
    let sha256 = zipper::write_bytes_zip(&[(HANDLER_FILE, HANDLER_SOURCE.as_bytes())], &path)?;
    Ok(Artifact {
        path,
        file_name: ARTIFACT_NAME.to_string(),
        sha256,
        functions: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zip_holds_the_handler_and_is_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_zip(dir.path()).unwrap();
        let first = std::fs::read(&a.path).unwrap();
        let b = write_zip(dir.path()).unwrap();
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(first, std::fs::read(&b.path).unwrap());
        let mut z = zip::ZipArchive::new(std::fs::File::open(&a.path).unwrap()).unwrap();
        assert_eq!(z.len(), 1);
        let mut entry = z.by_name(HANDLER_FILE).unwrap();
        assert_eq!(entry.unix_mode(), Some(0o100644));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        assert_eq!(text, HANDLER_SOURCE);
    }
}
