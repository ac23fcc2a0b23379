//! What a judge may read besides the exchanges themselves, and the level of an erratum
//! it grades.

use crate::catalogue::load::Case;
use crate::catalogue::profile::{Endpoint, Profile};
use crate::catalogue::schema::SchemaSet;
use std::collections::BTreeMap;

/// Everything a judge may read besides the exchanges themselves.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub profile: &'a Profile,
    pub schemas: &'a SchemaSet,
    pub case: &'a Case,
    /// Endpoint of this step (step.endpoint, else the case's endpoint); None for unknown paths.
    pub endpoint: Option<&'a Endpoint>,
    /// Captured values (`{{call_ref}}`...) for JsonAssert pointers/values.
    pub vars: &'a BTreeMap<String, String>,
    /// The errata, for the level of a reading a judge grades (`suites/errata.toml`).
    pub errata: &'a [crate::catalogue::Erratum],
}

/// The level of an erratum's other reading; an unknown id (lint rejects it) counts as
/// `silent`, so a data mistake can only soften a verdict, never harden it.
pub fn erratum_level(ctx: &Context, id: &str) -> crate::verdict::Level {
    ctx.errata.iter().find(|e| e.id == id).map(|e| e.verdict).unwrap_or(crate::verdict::Level::Silent)
}
