//! Top-level `layers` (v3 `lib/plugins/aws/package/compile/layers.js`): one
//! `AWS::Lambda::LayerVersion` per entry, its `allowedAccounts` permissions, the three outputs
//! (`…QualifiedArn`, `…Hash`, `…S3Key`), and v3's `compareWithLastLayer`: an unchanged layer
//! (same hash output as the deployed stack) keeps the deployed S3 key and is not uploaded again.
//! The deployed outputs come in as data; the AWS call is the caller's.

use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};

use crate::error::{DeployError, Result};
use crate::naming;
use crate::resource_types::{LAMBDA_LAYER_VERSION, LAMBDA_LAYER_VERSION_PERMISSION};
use sls_config::is_truthy as truthy;
use sls_config::model::Service;

/// One entry of the top-level `layers`, as written.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Its key under `layers`.
    pub key: String,
    /// `path`: the folder zipped, relative to the service folder.
    pub path: Option<String>,
    /// `package.artifact`: a zip of the user's own instead.
    pub artifact: Option<String>,
    /// `package.patterns`.
    pub patterns: Vec<String>,
    /// Legacy `package.include` / `package.exclude`.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `retain: true`: old versions stay (the logical ids then carry the hash).
    pub retain: bool,
    /// `allowedAccounts`: one permission each.
    pub allowed_accounts: Vec<Value>,
    /// `name`, `description`, `licenseInfo`, `compatibleRuntimes`, `compatibleArchitectures`:
    /// the `LayerVersion` properties, when set (JavaScript-truthy), as written.
    pub name: Option<Value>,
    pub description: Option<Value>,
    pub license_info: Option<Value>,
    pub compatible_runtimes: Option<Value>,
    pub compatible_architectures: Option<Value>,
}

impl Layer {
    /// The zip's file name: the artifact's base name, else `<key>.zip` (v3
    /// `resolveLayerArtifactName`, `getLayerArtifactName`).
    pub fn file_name(&self) -> String {
        match &self.artifact {
            Some(a) => a.rsplit(['/', '\\']).next().unwrap_or(a).to_string(),
            None => format!("{}.zip", self.key),
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn truthy_at(layer: &Value, key: &str) -> Option<Value> {
    layer.get(key).filter(|v| truthy(v)).cloned()
}

/// The top-level `layers`, in the order written. A layer needs `path` or `package.artifact`
/// (v3 fails on neither with a bare `TypeError`).
pub fn layers(config: &Value) -> Result<Vec<Layer>> {
    let Some(Value::Object(all)) = config.get("layers") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (key, raw) in all {
        if !raw.is_object() {
            return Err(DeployError::config(
                format!("layers.{key}"),
                format!("layer \"{key}\" must be an object with at least `path`"),
            ));
        }
        let pkg = &raw["package"];
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let layer = Layer {
            key: key.clone(),
            path: text(&raw["path"]),
            artifact: text(&pkg["artifact"]),
            patterns: strings(&pkg["patterns"]),
            include: strings(&pkg["include"]),
            exclude: strings(&pkg["exclude"]),
            retain: raw["retain"] == true,
            allowed_accounts: raw["allowedAccounts"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            name: truthy_at(raw, "name"),
            description: truthy_at(raw, "description"),
            license_info: truthy_at(raw, "licenseInfo"),
            compatible_runtimes: truthy_at(raw, "compatibleRuntimes"),
            compatible_architectures: truthy_at(raw, "compatibleArchitectures"),
        };
        if layer.path.is_none() && layer.artifact.is_none() {
            return Err(DeployError::config(
                format!("layers.{key}.path"),
                format!("layer \"{key}\" has neither `path` (the folder to zip, relative to the service) nor `package.artifact` (a zip of your own); set one"),
            ));
        }
        out.push(layer);
    }
    Ok(out)
}

/// A packaged layer zip, as the compiler needs it.
#[derive(Debug, Clone)]
pub struct LayerZip {
    /// The layer's key under `layers`.
    pub key: String,
    /// File name in the artifact directory (the S3 key's last part).
    pub file_name: String,
    /// base64(SHA-256) of the zip (in functions' version digests).
    pub sha256: String,
    /// The path v3 sorts a function's layer zips by (`resolveLayerArtifactName`): the
    /// `package.artifact` as written, else the absolute path of the built zip.
    pub sort_key: String,
}

/// A layer whose deployed S3 key was kept (`compareWithLastLayer`): its zip is not uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReusedLayer {
    pub key: String,
    pub file_name: String,
    pub s3_key: String,
}

/// `package:compileLayers` for one layer: the resources and outputs of `layer`, whose zip
/// holds `zip_bytes`; then, when `deployed_outputs` (the stack's outputs, `None` when there is
/// no stack) hold the same hash, the deployed S3 key instead of the new one.
pub fn compile_layer(
    service: &Service,
    layer: &Layer,
    artifact_directory_name: &str,
    zip_bytes: &[u8],
    deployed_outputs: Option<&[(String, String)]>,
    t: &mut Value,
) -> Option<ReusedLayer> {
    let (mut resource, s3_key) = layer_resource(service, layer, artifact_directory_name);
    let sha = layer_hash(&resource, zip_bytes);
    let mut id = naming::lambda_layer_logical_id(&layer.key);
    let retain = layer.retain;
    if retain {
        id = format!("{id}{sha}");
        resource["DeletionPolicy"] = json!("Retain");
    }
    t["Resources"][&id] = resource;
    for account in &layer.allowed_accounts {
        let (perm_id, perm) = permission(&layer.key, &id, account, retain.then_some(&sha));
        t["Resources"][perm_id] = perm;
    }
    let outputs = [
        (
            naming::lambda_layer_output_logical_id(&layer.key),
            "Current Lambda layer version",
            json!({"Ref": id}),
        ),
        (
            naming::lambda_layer_hash_output_logical_id(&layer.key),
            "Current Lambda layer hash",
            json!(sha),
        ),
        (
            naming::lambda_layer_s3_key_output_logical_id(&layer.key),
            "Current Lambda layer S3Key",
            json!(s3_key),
        ),
    ];
    for (out_id, description, value) in outputs {
        t["Outputs"][out_id] = json!({"Description": description, "Value": value});
    }
    reuse_deployed(layer, &sha, deployed_outputs?, t)
}

/// The `AWS::Lambda::LayerVersion` in v3's key order, and its S3 key.
fn layer_resource(service: &Service, layer: &Layer, dir: &str) -> (Value, String) {
    let bucket = match &service.provider.deployment_bucket {
        Some(b) => json!(b),
        None => json!({"Ref": naming::BUCKET_LOGICAL_ID}),
    };
    let s3_key = format!("{dir}/{}", layer.file_name());
    let mut props = Map::new();
    props.insert(
        "Content".into(),
        json!({"S3Bucket": bucket, "S3Key": s3_key}),
    );
    let name = layer.name.clone().unwrap_or_else(|| json!(layer.key));
    props.insert("LayerName".into(), name);
    for (value, cf) in [
        (&layer.description, "Description"),
        (&layer.license_info, "LicenseInfo"),
        (&layer.compatible_runtimes, "CompatibleRuntimes"),
        (&layer.compatible_architectures, "CompatibleArchitectures"),
    ] {
        if let Some(v) = value {
            props.insert(cf.into(), v.clone());
        }
    }
    (
        json!({"Type": LAMBDA_LAYER_VERSION, "Properties": props}),
        s3_key,
    )
}

/// v3: hex SHA-1 of `JSON.stringify(resource without Content.S3Key)` then the zip's bytes.
fn layer_hash(resource: &Value, zip_bytes: &[u8]) -> String {
    let mut without_key = resource.clone();
    if let Some(c) = without_key["Properties"]["Content"].as_object_mut() {
        c.remove("S3Key");
    }
    let mut h = Sha1::new();
    h.update(serde_json::to_string(&without_key).unwrap_or_default());
    h.update(zip_bytes);
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// One `allowedAccounts` entry's `AWS::Lambda::LayerVersionPermission`.
fn permission(
    layer: &str,
    layer_id: &str,
    account: &Value,
    sha: Option<&String>,
) -> (String, Value) {
    let account_text = account.as_str().unwrap_or_default();
    let mut id = naming::lambda_layer_permission_logical_id(layer, account_text);
    let mut perm = json!({
        "Type": LAMBDA_LAYER_VERSION_PERMISSION,
        "Properties": {
            "Action": "lambda:GetLayerVersion",
            "LayerVersionArn": {"Ref": layer_id},
            "Principal": account
        }
    });
    if let Some(sha) = sha {
        id = format!("{id}{sha}");
        perm["DeletionPolicy"] = json!("Retain");
    }
    (id, perm)
}

/// v3 `compareWithLastLayer`, given the deployed stack's outputs.
fn reuse_deployed(
    layer: &Layer,
    sha: &str,
    deployed: &[(String, String)],
    t: &mut Value,
) -> Option<ReusedLayer> {
    let find = |key: &str| deployed.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let last_hash = find(&naming::lambda_layer_hash_output_logical_id(&layer.key))?;
    if last_hash != sha {
        return None;
    }
    let key_output = naming::lambda_layer_s3_key_output_logical_id(&layer.key);
    let last_key = find(&key_output)?.clone();
    t["Outputs"][&key_output]["Value"] = json!(last_key);
    let id = naming::lambda_layer_logical_id(&layer.key);
    let resources = t["Resources"].as_object_mut()?;
    let hashed = format!("{id}{last_hash}");
    let resource = match resources.contains_key(&id) {
        true => resources.get_mut(&id),
        false => resources.get_mut(&hashed),
    }?;
    resource["Properties"]["Content"]["S3Key"] = json!(last_key);
    Some(ReusedLayer {
        key: layer.key.clone(),
        file_name: layer.file_name(),
        s3_key: last_key,
    })
}

/// v3 `extractLayerConfigurationsFromFunction`: for each `{Ref: …}` in a function's `Layers`
/// that names a layer compiled above, its name, the reference and its properties (without the
/// S3 key); with the layer's zip for the version digest. A `Ref` to anything else (a retained
/// layer's unhashed id, a resource of `resources`) is left out, as in v3.
pub(crate) fn layer_configurations<'z>(
    layers_prop: &Value,
    t: &Value,
    zips: &'z [LayerZip],
) -> Vec<(Value, &'z LayerZip)> {
    let mut out = Vec::new();
    for l in layers_prop.as_array().into_iter().flatten() {
        let Some(r) = l.get("Ref").and_then(Value::as_str) else {
            continue;
        };
        let Some(zip) = zips
            .iter()
            .find(|z| naming::lambda_layer_logical_id(&z.key) == r)
        else {
            continue;
        };
        let Some(res) = t["Resources"].get(r) else {
            continue;
        };
        let mut props = res["Properties"].clone();
        if let Some(c) = props["Content"].as_object_mut() {
            c.remove("S3Key");
        }
        out.push((json!({"name": zip.key, "ref": r, "properties": props}), zip));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Service {
        Service::from_config(
            &json!({"service": "s", "provider": {"name": "aws"}}),
            "dev",
            "us-east-1",
        )
        .unwrap()
    }

    #[test]
    fn a_layer_needs_a_path_or_an_artifact() {
        let err = layers(&json!({"layers": {"deps": {"description": "x"}}})).unwrap_err();
        assert!(err.to_string().contains("layers.deps.path"), "{err}");
        assert_eq!(
            layers(&json!({"layers": {"deps": {"package": {"artifact": "a/b.zip"}}}})).unwrap()[0]
                .file_name(),
            "b.zip"
        );
    }

    #[test]
    fn an_unchanged_layer_keeps_the_deployed_key() {
        let l = &layers(&json!({"layers": {"deps": {"path": "deps"}}})).unwrap()[0];
        let mut t = json!({"Resources": {}, "Outputs": {}});
        assert!(compile_layer(&service(), l, "new", b"zip", None, &mut t).is_none());
        let sha = t["Outputs"]["DepsLambdaLayerHash"]["Value"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            t["Outputs"]["DepsLambdaLayerS3Key"]["Value"],
            "new/deps.zip"
        );
        let deployed = vec![
            ("DepsLambdaLayerHash".to_string(), sha.clone()),
            (
                "DepsLambdaLayerS3Key".to_string(),
                "old/deps.zip".to_string(),
            ),
        ];
        let mut t = json!({"Resources": {}, "Outputs": {}});
        let reused = compile_layer(&service(), l, "new", b"zip", Some(&deployed), &mut t);
        assert_eq!(reused.unwrap().s3_key, "old/deps.zip");
        assert_eq!(
            t["Resources"]["DepsLambdaLayer"]["Properties"]["Content"]["S3Key"],
            "old/deps.zip"
        );
        assert_eq!(
            t["Outputs"]["DepsLambdaLayerS3Key"]["Value"],
            "old/deps.zip"
        );
        // Other bytes, another hash: the new key stays.
        let mut t = json!({"Resources": {}, "Outputs": {}});
        assert!(compile_layer(&service(), l, "new", b"zip2", Some(&deployed), &mut t).is_none());
    }
}
