//! sls-plugins' integration tests: the host with real node and real plugin files, the
//! request module against moto on loopback, and the naming plugins see against sls's.

mod aws_request;
mod host;
mod naming;
