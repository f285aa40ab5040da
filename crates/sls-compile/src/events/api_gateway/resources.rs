//! `AWS::ApiGateway::Resource`, one per path segment (v3 `compileResources` /
//! `getResourcePaths`), including attaching to an existing API's resources
//! (`provider.apiGateway.restApiResources`).

use serde_json::{json, Value};

use super::{HttpEvent, Output, Settings};
use crate::error::{DeployError, Result};
use crate::naming;

/// The resources by path: the name used in method ids and the id methods attach to.
pub(crate) struct Tree {
    entries: Vec<(String, String, Value)>,
    root: Value,
}

impl Tree {
    /// v3 `getResourceId`.
    pub fn resource_id(&self, path: &str, at: &str) -> Result<Value> {
        if path.is_empty() {
            return Ok(self.root.clone());
        }
        self.entries
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, _, id)| id.clone())
            .ok_or_else(|| {
                DeployError::config(
                    at,
                    format!("Can not find API Gateway resource from path {path}; add it to provider.apiGateway.restApiResources"),
                )
            })
    }

    /// v3 `getResourceName`.
    pub fn resource_name(&self, path: &str) -> String {
        if path.is_empty() {
            return String::new();
        }
        self.entries
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug)]
struct Node {
    path: String,
    path_part: String,
    parent: Option<usize>,
    children: Vec<usize>,
    level: usize,
    name: Option<String>,
    resource_id: Option<Value>,
    has_method: bool,
    is_cut: bool,
}

struct Forest {
    nodes: Vec<Node>,
    trees: Vec<usize>,
    predefined: Vec<usize>,
    method_nodes: Vec<usize>,
}

struct Res {
    path: String,
    name: Option<String>,
    resource_id: Option<Value>,
}

impl Forest {
    fn apply(&mut self, resource: &Res, is_method: bool) {
        let path = resource.path.strip_prefix('/').unwrap_or(&resource.path);
        let path = path.strip_suffix('/').unwrap_or(path);
        let parts: Vec<&str> = path.split('/').collect();
        let mut root: Option<usize> = None;
        let mut parent: Option<usize> = None;
        let mut current = String::new();
        for (index, part) in parts.iter().enumerate() {
            current = if index == 0 {
                part.to_string()
            } else {
                format!("{current}/{part}")
            };
            if root.is_none() {
                root = self
                    .trees
                    .iter()
                    .copied()
                    .find(|&t| self.nodes[t].path == current);
            }
            if parent.is_none() {
                parent = root;
            }
            if let Some(p) = parent {
                if self.nodes[p].path == current {
                    parent = Some(self.apply_node(p, resource, is_method, index, parts.len()));
                    continue;
                }
                let found = self.nodes[p]
                    .children
                    .iter()
                    .copied()
                    .find(|&c| self.nodes[c].path == current);
                if let Some(c) = found {
                    parent = Some(self.apply_node(c, resource, is_method, index, parts.len()));
                    continue;
                }
            }
            let id = self.nodes.len();
            self.nodes.push(Node {
                path: current.clone(),
                path_part: part.to_string(),
                parent,
                children: Vec::new(),
                level: index,
                name: None,
                resource_id: None,
                has_method: false,
                is_cut: false,
            });
            if let Some(p) = parent {
                self.nodes[p].children.push(id);
            }
            if root.is_none() {
                root = Some(id);
                self.trees.push(id);
            }
            parent = Some(self.apply_node(id, resource, is_method, index, parts.len()));
        }
    }

    fn apply_node(
        &mut self,
        n: usize,
        resource: &Res,
        is_method: bool,
        index: usize,
        len: usize,
    ) -> usize {
        if index == len - 1 {
            self.nodes[n].name = resource.name.clone();
            if let Some(id) = &resource.resource_id {
                self.nodes[n].resource_id = Some(id.clone());
                let path = self.nodes[n].path.clone();
                if self.predefined.iter().all(|&i| self.nodes[i].path != path) {
                    self.predefined.push(n);
                }
            }
            if is_method && !self.nodes[n].has_method {
                self.nodes[n].has_method = true;
                let path = self.nodes[n].path.clone();
                if self
                    .method_nodes
                    .iter()
                    .all(|&i| self.nodes[i].path != path)
                {
                    self.method_nodes.push(n);
                }
            }
        }
        n
    }

    fn cut_branch(&mut self, n: usize) {
        let Some(p) = self.nodes[n].parent else {
            return;
        };
        if self.nodes[p].children.len() <= 1 {
            self.nodes[p].children.clear();
        } else {
            let path = self.nodes[n].path.clone();
            let keep: Vec<usize> = self.nodes[p]
                .children
                .iter()
                .copied()
                .filter(|&c| self.nodes[c].path != path)
                .collect();
            self.nodes[p].children = keep;
            self.nodes[p].is_cut = true;
        }
        self.nodes[n].parent = None;
    }

    /// v3 `combineResourceTrees`: depth first, each node before its children.
    fn combine(&self, trees: &[usize]) -> Vec<usize> {
        fn walk(f: &Forest, n: usize, out: &mut Vec<usize>) {
            // A JavaScript object: a key seen again keeps its first position.
            match out.iter().position(|&o| f.nodes[o].path == f.nodes[n].path) {
                Some(pos) => out[pos] = n,
                None => out.push(n),
            }
            for &c in &f.nodes[n].children {
                walk(f, c, out);
            }
        }
        let mut out = Vec::new();
        for &t in trees {
            walk(self, t, &mut out);
        }
        out
    }
}

/// `provider.apiGateway.restApiResources`, as resources of the tree.
fn predefined_resources(s: &Settings<'_>) -> Result<Vec<Res>> {
    let resources = s
        .api_gateway
        .rest_api_resources
        .as_ref()
        .map_err(|e| e.clone())?;
    Ok(resources
        .iter()
        .map(|r| Res {
            path: r.path.clone(),
            name: r.name.clone(),
            resource_id: r.resource_id.clone(),
        })
        .collect())
}

/// Builds the tree of paths and adds a resource for each path not given by the user.
pub(crate) fn compile(s: &Settings<'_>, events: &[HttpEvent], out: &mut Output) -> Result<Tree> {
    let mut f = Forest {
        nodes: Vec::new(),
        trees: Vec::new(),
        predefined: Vec::new(),
        method_nodes: Vec::new(),
    };
    let predefined = predefined_resources(s)?;
    for r in &predefined {
        f.apply(r, false);
    }
    for e in events {
        if !e.path.is_empty() {
            f.apply(
                &Res {
                    path: e.path.clone(),
                    name: None,
                    resource_id: None,
                },
                true,
            );
        }
    }
    let order: Vec<usize> = if f.predefined.is_empty() {
        f.combine(&f.trees.clone())
    } else if events
        .iter()
        .all(|e| f.predefined.iter().any(|&n| f.nodes[n].path == e.path))
    {
        // Every method sits on a given resource: only those are used.
        f.predefined.clone()
    } else {
        let mut sorted = f.predefined.clone();
        sorted.sort_by_key(|&n| f.nodes[n].level);
        for &node in sorted.iter().rev() {
            let mut cur = node;
            while let Some(p) = f.nodes[cur].parent {
                if f.nodes[p].has_method && f.nodes[p].resource_id.is_none() {
                    return Err(required(&f.nodes[p].path));
                }
                if f.nodes[p].resource_id.is_some() || f.nodes[p].children.len() > 1 {
                    f.cut_branch(cur);
                    break;
                }
                cur = p;
            }
        }
        let mut validated: Vec<usize> = Vec::new();
        for &node in &f.method_nodes.clone() {
            let mut iter = Some(node);
            while let Some(i) = iter {
                if f.nodes[i].resource_id.is_some() {
                    f.cut_branch(i);
                    if validated
                        .iter()
                        .all(|&t| f.nodes[t].path != f.nodes[node].path)
                    {
                        validated.push(i);
                    }
                    break;
                }
                if f.nodes[i].is_cut || (f.nodes[i].parent.is_none() && f.nodes[i].level > 0) {
                    return Err(required(&f.nodes[i].path));
                }
                if f.nodes[i].parent.is_none() {
                    validated.push(i);
                    break;
                }
                iter = f.nodes[i].parent;
            }
        }
        f.combine(&validated)
    };

    let root = s.root_resource_id();
    let mut entries: Vec<(String, String, Value)> = Vec::new();
    for n in order {
        let node = &f.nodes[n];
        let name = node
            .name
            .clone()
            .unwrap_or_else(|| naming::normalize_api_path(&node.path));
        let id = match &node.resource_id {
            Some(id) => id.clone(),
            None => {
                let logical_id = naming::api_gateway_resource_logical_id(&node.path);
                let parent_ref = match node.parent {
                    Some(p) => entries
                        .iter()
                        .find(|(path, _, _)| *path == f.nodes[p].path)
                        .map(|(_, _, id)| id.clone())
                        .or_else(|| f.nodes[p].resource_id.clone())
                        .unwrap_or_else(|| root.clone()),
                    None => root.clone(),
                };
                out.add(
                    &logical_id,
                    json!({
                        "Type": "AWS::ApiGateway::Resource",
                        "Properties": {
                            "ParentId": parent_ref,
                            "PathPart": node.path_part,
                            "RestApiId": s.rest_api_id(),
                        }
                    }),
                );
                json!({"Ref": logical_id})
            }
        };
        entries.push((node.path.clone(), name, id));
    }
    Ok(Tree { entries, root })
}

fn required(path: &str) -> DeployError {
    DeployError::config(
        "provider.apiGateway.restApiResources",
        format!("Resource ID for path {path} is required"),
    )
}
