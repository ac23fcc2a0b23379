//! Everything the manuals say, as data: profiles, schemas, suites and errata.
//!
//! The main type is [`Catalogue`]. The runner, the fuzzer, the reports and the emulator
//! all read it; none of them hard-code an endpoint, a code or a limit.

pub mod case;
pub mod data;
pub mod error;
pub mod load;
pub mod profile;
pub mod schema;

pub use case::{CaseSpec, Expect, Family, RequestSpec, Step};
pub use data::DataFiles;
pub use error::{SpecError, SpecErrors};
pub use load::{Case, Catalogue, Erratum};
pub use profile::{Endpoint, Method, Profile, Safety};
pub use schema::SchemaSet;
