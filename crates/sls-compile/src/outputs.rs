//! Stack outputs: v3 gives every output an `Export` named `sls-<service>-<stage>-<key>`.

use serde_json::json;

use crate::naming;
use sls_config::model::Service;

/// Adds the export name to every output that has none.
pub(super) fn add_exports(service: &Service, t: &mut serde_json::Value) {
    if let Some(outputs) = t["Outputs"].as_object_mut() {
        for (key, o) in outputs.iter_mut() {
            if o.get("Export").is_none() {
                o["Export"] =
                    json!({"Name": naming::export_name(&service.name, &service.stage, key)});
            }
        }
    }
}
