//! The sandbox tenant: its identity (GUID, domains), its principals and its mailboxes.
//! Everything is derived from the seed; mailbox `i` is generated on demand from (seed, i),
//! so a tenant of 100,000 mailboxes costs nothing until it is read.

pub mod generator;
pub mod names;
pub mod principals;
pub mod record;
pub mod rng;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use generator::{Core, Kind};
pub use principals::Principals;
pub use record::{Record, Val};

use rng::{Permutation, Rng};

/// Where the pretend tenant lives in the pretend service.
pub const FOREST: &str = "EURPR06A001";
pub const DOMAIN_CONTROLLER: &str = "DB6PR06A001DC06.EURPR06A001.prod.outlook.com";

pub struct Tenant {
    pub seed: u64,
    pub count: u64,
    pub tenant_id: String,
    /// `contoso.onmicrosoft.com`
    pub organization: String,
    /// `contoso.com`, the primary SMTP domain.
    pub domain: String,
    pub discovery_index: u64,
    pub principals: Principals,
    pub(crate) perm_person: Permutation,
    pub(crate) perm_shared: Permutation,
    pub(crate) perm_room: Permutation,
    pub(crate) perm_equipment: Permutation,
    prop_index: OnceLock<HashMap<String, usize>>,
}

impl Tenant {
    pub fn new(seed: u64, count: u64) -> Tenant {
        let mut r = Rng::new(seed, u64::MAX, 7);
        let tenant_id = r.guid();
        use names::*;
        Tenant {
            seed,
            count,
            tenant_id,
            organization: "contoso.onmicrosoft.com".into(),
            domain: "contoso.com".into(),
            discovery_index: if count > 1 { 1 } else { 0 },
            principals: Principals::new(seed, "contoso.onmicrosoft.com"),
            perm_person: Permutation::new((FIRST.len() * LAST.len()) as u64, seed, 11),
            perm_shared: Permutation::new((SHARED.len() * REGIONS.len()) as u64, seed, 12),
            perm_room: Permutation::new((OFFICES.len() * BUILDINGS.len() * 9 * 30) as u64, seed, 13),
            perm_equipment: Permutation::new((EQUIPMENT.len() * OFFICES.len() * 99) as u64, seed, 14),
            prop_index: OnceLock::new(),
        }
    }

    /// True when `t` names this tenant: its GUID or one of its domains (case-insensitive).
    pub fn is_own(&self, t: &str) -> bool {
        t.eq_ignore_ascii_case(&self.tenant_id)
            || t.eq_ignore_ascii_case(&self.organization)
            || t.eq_ignore_ascii_case(&self.domain)
    }

    /// The cheap part of mailbox `i` (names, ids, type): enough for Identity and Anr.
    pub fn core(&self, i: u64) -> Core {
        generator::core(self, i)
    }

    /// The full record of mailbox `i` (~230 properties).
    pub fn record(&self, i: u64) -> Record {
        generator::full(self, &self.core(i))
    }

    pub fn record_of(&self, core: &Core) -> Record {
        generator::full(self, core)
    }

    /// Position of a property (case-insensitive name) in every record; None if unknown.
    pub fn prop_index(&self, name: &str) -> Option<usize> {
        self.prop_index
            .get_or_init(|| {
                let sample = generator::full(self, &self.core(0));
                sample.iter().enumerate().map(|(k, (n, _))| (n.to_ascii_lowercase(), k)).collect()
            })
            .get(&name.to_ascii_lowercase())
            .copied()
    }

    /// Property names in record order.
    pub fn prop_names(&self) -> Vec<&'static str> {
        generator::full(self, &self.core(0)).iter().map(|(n, _)| *n).collect()
    }
}
