//! The AWS credentials side of sls, without any network: the profile files as
//! lossless documents, the Serverless v3 credential chain producing a [`Plan`],
//! and safe edits of the credentials file.

pub mod plan;

pub use plan::{mask_key_id, Origin, Plan, Secret, StaticKeys};
