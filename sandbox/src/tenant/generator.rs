//! Deterministic mailbox generation. `core` is cheap (names, ids, type) and is what
//! Identity and Anr scan; `full` adds the remaining ~230 properties. Each uses its own
//! random stream, so the core of a mailbox never depends on how its full record is built.

use super::names::*;
use super::record::{Record, Val};
use super::rng::Rng;
use super::{Tenant, DOMAIN_CONTROLLER, FOREST};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    User,
    Shared,
    Room,
    Equipment,
    Discovery,
}

impl Kind {
    pub fn details(self) -> &'static str {
        match self {
            Kind::User => "UserMailbox",
            Kind::Shared => "SharedMailbox",
            Kind::Room => "RoomMailbox",
            Kind::Equipment => "EquipmentMailbox",
            Kind::Discovery => "DiscoveryMailbox",
        }
    }
}

pub const DISCOVERY_NAME: &str = "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}";

#[derive(Clone, Debug)]
pub struct Core {
    pub index: u64,
    pub kind: Kind,
    pub name: String,
    pub display_name: String,
    pub first: Option<&'static str>,
    pub last: Option<&'static str>,
    pub alias: String,
    pub primary_smtp: String,
    pub upn: String,
    pub guid: String,
    pub exchange_guid: String,
    pub external_id: String,
    pub sam: String,
    pub legacy_dn: String,
    pub office: Option<(&'static str, &'static str)>,
}

impl Core {
    pub fn distinguished_name(&self, org: &str) -> String {
        format!(
            "CN={},OU={org},OU=Microsoft Exchange Hosted Organizations,DC={FOREST},DC=PROD,DC=OUTLOOK,DC=COM",
            self.name.replace(',', "\\,")
        )
    }
    pub fn canonical_name(&self, org: &str) -> String {
        format!("{FOREST}.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/{org}/{}", self.name)
    }
}

fn kind_of(t: &Tenant, i: u64) -> Kind {
    if i == t.discovery_index {
        return Kind::Discovery;
    }
    match Rng::new(t.seed, i, 0).below(1000) {
        0..=29 => Kind::Room,
        30..=39 => Kind::Equipment,
        40..=119 => Kind::Shared,
        _ => Kind::User,
    }
}

fn alias_from(name: &str) -> String {
    let mut a = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' | '-' => a.push(c),
            'A'..='Z' => a.push(c.to_ascii_lowercase()),
            ' ' | '.' if !a.ends_with('.') => a.push('.'),
            _ => {}
        }
    }
    a.trim_matches('.').to_string()
}

fn round_suffix(round: u64, sep: &str) -> String {
    if round == 0 {
        String::new()
    } else {
        format!("{sep}{}", round + 1)
    }
}

pub fn core(t: &Tenant, i: u64) -> Core {
    let kind = kind_of(t, i);
    let mut r = Rng::new(t.seed, i, 1);
    let (mut first, mut last, mut office) = (None, None, None);
    let (name, display_name, alias) = match kind {
        Kind::Discovery => (DISCOVERY_NAME.to_string(), "Discovery Search Mailbox".to_string(), DISCOVERY_NAME.to_string()),
        Kind::User => {
            let (c, round) = t.perm_person.map(i);
            let (f, l) = (FIRST[(c % FIRST.len() as u64) as usize], LAST[(c / FIRST.len() as u64) as usize]);
            first = Some(f);
            last = Some(l);
            office = Some(OFFICES[r.below(OFFICES.len() as u64) as usize]);
            let display = format!("{f} {l}");
            let name = format!("{display}{}", round_suffix(round, " "));
            let alias = format!("{}.{}{}", f.to_ascii_lowercase(), l.to_ascii_lowercase(), round_suffix(round, ""));
            (name, display, alias)
        }
        Kind::Shared => {
            let (c, round) = t.perm_shared.map(i);
            let f = SHARED[(c % SHARED.len() as u64) as usize];
            let g = REGIONS[(c / SHARED.len() as u64) as usize];
            let name = format!("{f} {g}{}", round_suffix(round, " "));
            (name.clone(), name.clone(), alias_from(&name))
        }
        Kind::Room => {
            let (mut c, round) = t.perm_room.map(i);
            let o = OFFICES[(c % OFFICES.len() as u64) as usize];
            c /= OFFICES.len() as u64;
            let b = BUILDINGS[(c % BUILDINGS.len() as u64) as usize];
            c /= BUILDINGS.len() as u64;
            let (floor, room) = (c % 9 + 1, c / 9 + 1);
            office = Some(o);
            let name = format!("{} {b} Room {floor}{room:02}{}", o.0, round_suffix(round, " "));
            (name.clone(), name.clone(), alias_from(&name))
        }
        Kind::Equipment => {
            let (mut c, round) = t.perm_equipment.map(i);
            let e = EQUIPMENT[(c % EQUIPMENT.len() as u64) as usize];
            c /= EQUIPMENT.len() as u64;
            let o = OFFICES[(c % OFFICES.len() as u64) as usize];
            let n = c / OFFICES.len() as u64 + 1;
            office = Some(o);
            let name = format!("{e} {} {n:02}{}", o.0, round_suffix(round, " "));
            (name.clone(), name.clone(), alias_from(&name))
        }
    };
    let dom = if kind == Kind::Discovery { &t.organization } else { &t.domain };
    let primary_smtp = format!("{alias}@{dom}");
    let guid = r.guid();
    let exchange_guid = r.guid();
    let external_id = if kind == Kind::Discovery { String::new() } else { r.guid() };
    let sam = format!("${}-{}", r.upper_alnum(6), r.upper_alnum(12));
    let legacy_dn = format!(
        "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-{}",
        r.hex(32),
        alias.chars().take(8).collect::<String>().to_ascii_lowercase()
    );
    Core {
        index: i,
        kind,
        name,
        display_name,
        first,
        last,
        upn: primary_smtp.clone(),
        primary_smtp,
        alias,
        guid,
        exchange_guid,
        external_id,
        sam,
        legacy_dn,
        office,
    }
}

const KB: u64 = 1024;
const MB: u64 = 1024 * KB;
const GB: u64 = 1024 * MB;

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Exchange's ByteQuantifiedSize text: `99 GB (106,300,440,576 bytes)`.
pub fn size_text(bytes: u64) -> String {
    let (unit, name) = match bytes {
        b if b >= GB => (GB, "GB"),
        b if b >= MB => (MB, "MB"),
        b if b >= KB => (KB, "KB"),
        _ => (1, "B"),
    };
    let v = format!("{:.3}", bytes as f64 / unit as f64);
    let v = v.trim_end_matches('0').trim_end_matches('.');
    format!("{v} {name} ({} bytes)", group(bytes))
}

fn dtmf(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c.to_ascii_lowercase() {
            'a'..='c' => Some('2'),
            'd'..='f' => Some('3'),
            'g'..='i' => Some('4'),
            'j'..='l' => Some('5'),
            'm'..='o' => Some('6'),
            'p'..='s' => Some('7'),
            't'..='v' => Some('8'),
            'w'..='z' => Some('9'),
            d @ '0'..='9' => Some(d),
            _ => None,
        })
        .collect()
}

fn country(code: &str) -> &'static str {
    match code {
        "US" => "United States",
        "CA" => "Canada",
        "GB" => "United Kingdom",
        "IE" => "Ireland",
        "DE" => "Germany",
        "FR" => "France",
        "ES" => "Spain",
        "IT" => "Italy",
        "NL" => "Netherlands",
        "NO" => "Norway",
        "SE" => "Sweden",
        "PL" => "Poland",
        "JP" => "Japan",
        "SG" => "Singapore",
        "AU" => "Australia",
        "BR" => "Brazil",
        _ => "India",
    }
}

fn language(code: &str) -> &'static str {
    match code {
        "DE" => "de-DE",
        "FR" => "fr-FR",
        "ES" => "es-ES",
        "IT" => "it-IT",
        "NL" => "nl-NL",
        "NO" => "nb-NO",
        "SE" => "sv-SE",
        "PL" => "pl-PL",
        "JP" => "ja-JP",
        "BR" => "pt-BR",
        "GB" | "IE" => "en-GB",
        _ => "en-US",
    }
}

fn multi(items: &'static [&'static str]) -> Val {
    Val::StaticMulti(items)
}

/// Size texts are the same in every record: formatted once.
struct Sizes {
    texts: Vec<(u64, String)>,
}

static SIZES: std::sync::OnceLock<Sizes> = std::sync::OnceLock::new();

/// `size_text(bytes)` as a `&'static str` for the quota values the generator uses.
fn size(bytes: u64) -> Val {
    let s = SIZES.get_or_init(|| Sizes {
        texts: [99 * GB, 100 * GB, 98 * GB, 50 * GB, 45 * GB, 49 * GB + 512 * MB, 49 * GB, 30 * GB, 20 * GB, 90 * GB,
            6 * GB, 256 * KB, 35 * MB, 36 * MB]
            .iter()
            .map(|b| (*b, size_text(*b)))
            .collect(),
    });
    match s.texts.iter().find(|(b, _)| *b == bytes) {
        Some((_, t)) => Val::Static(t.as_str()),
        None => Val::s(size_text(bytes)),
    }
}

const AUDIT_ADMIN: &[&str] = &[
    "Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "SendAs", "SendOnBehalf", "Create",
    "UpdateFolderPermissions", "UpdateInboxRules", "UpdateCalendarDelegation", "ApplyRecord", "MailItemsAccessed", "Send",
];
const AUDIT_DELEGATE: &[&str] = &[
    "Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "SendAs", "SendOnBehalf", "Create",
    "UpdateFolderPermissions", "UpdateInboxRules", "ApplyRecord", "MailItemsAccessed",
];
const AUDIT_OWNER: &[&str] = &[
    "Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "UpdateFolderPermissions", "UpdateInboxRules",
    "UpdateCalendarDelegation", "ApplyRecord", "MailItemsAccessed", "Send",
];
const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

pub fn full(t: &Tenant, c: &Core) -> Record {
    let mut r = Rng::new(t.seed, c.index, 2);
    let k = c.kind;
    let user = k == Kind::User;
    let resource = matches!(k, Kind::Room | Kind::Equipment);
    let org = t.organization.as_str();
    let server_no = 1000 + r.below(9000);
    let server = format!("DB6PR06MB{server_no}");
    let db_no = r.below(300) + 1;
    let database = format!("EURPR06DG{:03}-db{:03}", db_no % 120 + 1, db_no);
    let created = 1_451_606_400 + r.below(1_735_603_200 - 1_451_606_400) as i64;
    let changed = (created + r.below(400 * 86_400) as i64).min(1_748_736_000);
    let mbx_created = created + r.below(3_600) as i64;
    let big_plan = !user || r.chance(800);
    let (send, send_receive, warn) = if k == Kind::Discovery {
        (50 * GB, 50 * GB, 45 * GB)
    } else if big_plan {
        (99 * GB, 100 * GB, 98 * GB)
    } else {
        (49 * GB + 512 * MB, 50 * GB, 49 * GB)
    };
    let archive = user && r.chance(250);
    let litigation = user && r.chance(60);
    let forwarding = (user || k == Kind::Shared) && r.chance(40);
    let hidden = match k {
        Kind::Discovery => true,
        Kind::Shared => r.chance(150),
        Kind::User => r.chance(20),
        _ => r.chance(30),
    };
    let held = litigation || r.chance(30);
    let synced = user && r.chance(400);
    let (city, cc) = c.office.unwrap_or(("", "US"));
    let country_code = if c.office.is_some() { cc } else { "US" };
    let dept = if user && r.chance(600) { Some(r.pick(DEPARTMENTS)) } else { None };
    let exo_guid_archive = r.guid();
    let db_guid = r.guid();
    let net_id = format!("1003{}", r.hex(12).to_ascii_uppercase());
    let spo_guid = r.guid();
    let mut emails = Vec::with_capacity(5);
    if user {
        emails.push(format!("SIP:{}", c.primary_smtp));
        emails.push(format!("SPO:SPO_{spo_guid}@SPO_{}", t.tenant_id));
    }
    if k != Kind::Discovery {
        emails.push(format!("smtp:{}@{org}", c.alias));
        if r.chance(300) {
            emails.push(format!("smtp:{}@contoso.mail.onmicrosoft.com", c.alias));
        }
    }
    emails.push(format!("SMTP:{}", c.primary_smtp));
    let mut holds = Vec::new();
    if held {
        holds.push(format!("mbx{}:1", r.hex(32)));
        if r.chance(500) {
            holds.push(format!("UniH{}", r.guid()));
        }
    }
    let mut address_lists = Vec::new();
    if !hidden {
        address_lists.extend(["\\Mailboxes(VLV)", "\\All Mailboxes(VLV)", "\\All Recipients(VLV)", "\\Default Global Address List"].map(String::from));
        address_lists.push(if k == Kind::Room { "\\All Rooms" } else { "\\All Users" }.to_string());
    }
    let mut custom: [String; 15] = Default::default();
    if let Some(d) = dept {
        custom[0] = d.to_string();
    }
    if user && r.chance(400) {
        custom[1] = format!("E{:06}", r.below(1_000_000));
    }
    if r.chance(300) {
        custom[2] = format!("CC-{:04}", r.below(10_000));
    }
    if user && r.chance(100) {
        custom[6] = r.pick(TITLES).to_string();
    }
    if k == Kind::Shared && r.chance(500) {
        custom[9] = "Shared-Managed".to_string();
    }
    let fwd_target = if forwarding {
        let f = r.pick(FIRST);
        let l = r.pick(LAST);
        Some(format!("smtp:{}.{}@fabrikam.com", f.to_ascii_lowercase(), l.to_ascii_lowercase()))
    } else {
        None
    };
    let mut dtmf_map = vec![format!("emailAddress:{}", dtmf(&c.alias))];
    if let (Some(f), Some(l)) = (c.first, c.last) {
        dtmf_map.push(format!("lastNameFirstName:{}{}", dtmf(l), dtmf(f)));
        dtmf_map.push(format!("firstNameLastName:{}{}", dtmf(f), dtmf(l)));
    } else {
        dtmf_map.push(format!("lastNameFirstName:{}", dtmf(&c.display_name)));
        dtmf_map.push(format!("firstNameLastName:{}", dtmf(&c.display_name)));
    }
    let ou = format!("{FOREST}.prod.outlook.com/Microsoft Exchange Hosted Organizations/{org}");
    let b = |v: bool| Val::Bool(v);
    let s = |v: &str| Val::s(v);
    let g = |v: &str| Val::Guid(v.to_string());
    let empty = || Val::StaticMulti(&[]);

    let mut p: Record = Vec::with_capacity(240);
    let mut add = |n: &'static str, v: Val| p.push((n, v));
    add("Database", s(&database));
    add("MailboxProvisioningConstraint", Val::Null);
    add("IsMonitoringMailbox", b(false));
    add("MailboxRegion", Val::Null);
    add("MailboxRegionLastUpdateTime", Val::Null);
    add("MailboxRegionSuffix", Val::Static("None"));
    add("MessageRecallProcessingEnabled", b(true));
    add("MessageCopyForSentAsEnabled", b(k == Kind::Shared && r.chance(400)));
    add("MessageCopyForSendOnBehalfEnabled", b(k == Kind::Shared && r.chance(200)));
    add("MailboxProvisioningPreferences", empty());
    add("UseDatabaseRetentionDefaults", b(false));
    add("RetainDeletedItemsUntilBackup", b(false));
    add("DeliverToMailboxAndForward", b(forwarding && r.chance(500)));
    add("IsExcludedFromServingHierarchy", b(false));
    add("IsHierarchyReady", b(true));
    add("IsHierarchySyncEnabled", b(true));
    add("IsPublicFolderSystemMailbox", b(false));
    add("HasSnackyAppData", b(false));
    add("LitigationHoldEnabled", b(litigation));
    add("SingleItemRecoveryEnabled", b(true));
    add("RetentionHoldEnabled", b(false));
    add("EndDateForRetentionHold", Val::Null);
    add("StartDateForRetentionHold", Val::Null);
    add("RetentionComment", Val::Null);
    add("RetentionUrl", Val::Null);
    add("LitigationHoldDate", if litigation { Val::Date(changed, false) } else { Val::Null });
    add("LitigationHoldOwner", if litigation { Val::s(format!("admin@{org}")) } else { Val::Null });
    add("ElcProcessingDisabled", b(false));
    add("ComplianceTagHoldApplied", b(false));
    add("WasInactiveMailbox", b(false));
    add("DelayHoldApplied", b(false));
    add("DelayReleaseHoldApplied", b(false));
    add("PitrEnabled", b(false));
    add("PitrCopyIntervalInSeconds", Val::Int(0));
    add("PitrPaused", b(false));
    add("PitrPausedTimestamp", Val::Null);
    add("PitrOffboarded", b(false));
    add("PitrOffboardedTimestamp", Val::Null);
    add("InactiveMailboxRetireTime", Val::Null);
    add("OrphanSoftDeleteTrackingTime", Val::Null);
    add("LitigationHoldDuration", Val::Static(if litigation && r.chance(500) { "2555.00:00:00" } else { "Unlimited" }));
    add("ManagedFolderMailboxPolicy", Val::Null);
    add("RetentionPolicy", Val::Static(if r.chance(100) { "Contoso 7 Year Retention" } else { "Default MRM Policy" }));
    add("AddressBookPolicy", Val::Null);
    add("CalendarRepairDisabled", b(false));
    add("ExchangeGuid", g(&c.exchange_guid));
    add("MailboxContainerGuid", Val::Null);
    add("UnifiedMailbox", Val::Null);
    let mut locations = vec![format!("1;{};Primary;{}.prod.outlook.com;{db_guid}", c.exchange_guid, FOREST.to_ascii_lowercase())];
    if archive {
        locations.push(format!("1;{exo_guid_archive};MainArchive;{}.prod.outlook.com;{}", FOREST.to_ascii_lowercase(), r.guid()));
    }
    add("MailboxLocations", Val::Multi(locations));
    add("AggregatedMailboxGuids", empty());
    add("ExchangeSecurityDescriptor", Val::Static("System.Security.AccessControl.RawSecurityDescriptor"));
    add("ExchangeUserAccountControl", Val::Static(if user { "None" } else { "AccountDisabled" }));
    add("AdminDisplayVersion", Val::s(format!("Version 15.20 (Build {}.{})", 7700 + server_no % 60, 10 + server_no % 20)));
    add("MessageTrackingReadStatusEnabled", b(true));
    add("ExternalOofOptions", Val::Static("External"));
    add("ForwardingAddress", Val::Null);
    add("ForwardingSmtpAddress", Val::opt(fwd_target));
    add("RetainDeletedItemsFor", Val::Static(if r.chance(200) { "30.00:00:00" } else { "14.00:00:00" }));
    add("IsMailboxEnabled", b(true));
    add("Languages", if user { Val::Multi(vec![language(country_code).to_string()]) } else { empty() });
    add("OfflineAddressBook", Val::Null);
    add("ProhibitSendQuota", size(send));
    add("ProhibitSendReceiveQuota", size(send_receive));
    add("RecoverableItemsQuota", size(if held { 100 * GB } else { 30 * GB }));
    add("RecoverableItemsWarningQuota", size(if held { 90 * GB } else { 20 * GB }));
    add("CalendarLoggingQuota", size(6 * GB));
    add("DowngradeHighPriorityMessagesEnabled", b(false));
    add("ProtocolSettings", multi(&["RemotePowerShell§1"]));
    add("RecipientLimits", Val::Static("500"));
    add("ImListMigrationCompleted", b(false));
    add("SiloName", Val::Null);
    add("IsResource", b(resource));
    add("IsLinked", b(false));
    add("IsShared", b(k == Kind::Shared));
    add("IsRootPublicFolderMailbox", b(false));
    add("LinkedMasterAccount", Val::Null);
    add("ResetPasswordOnNextLogon", b(false));
    add("ResourceCapacity", if k == Kind::Room { Val::Int(4 + 2 * r.below(19) as i64) } else { Val::Null });
    add("ResourceCustom", if k == Kind::Room && r.chance(400) { multi(&["Projector", "Whiteboard"]) } else { empty() });
    add("ResourceType", match k {
        Kind::Room => Val::Static("Room"),
        Kind::Equipment => Val::Static("Equipment"),
        _ => Val::Null,
    });
    add("RoomMailboxAccountEnabled", if k == Kind::Room { b(false) } else { Val::Null });
    add("SamAccountName", s(&c.sam));
    for n in ["SCLDeleteThreshold", "SCLDeleteEnabled", "SCLRejectThreshold", "SCLRejectEnabled", "SCLQuarantineThreshold",
        "SCLQuarantineEnabled", "SCLJunkThreshold", "SCLJunkEnabled"] {
        add(n, Val::Null);
    }
    add("AntispamBypassEnabled", b(false));
    add("ServerLegacyDN", Val::s(format!("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn={server}")));
    add("ServerName", Val::s(server.to_ascii_lowercase()));
    add("UseDatabaseQuotaDefaults", b(false));
    add("IssueWarningQuota", size(warn));
    add("RulesQuota", size(256 * KB));
    add("Office", if city.is_empty() { Val::Null } else { s(city) });
    add("UserPrincipalName", s(&c.upn));
    add("UMEnabled", b(false));
    add("MaxSafeSenders", Val::Null);
    add("MaxBlockedSenders", Val::Null);
    add("NetID", Val::s(net_id));
    add("ReconciliationId", Val::Null);
    add("WindowsLiveID", s(&c.upn));
    add("MicrosoftOnlineServicesID", s(&c.upn));
    add("ThrottlingPolicy", Val::Null);
    add("RoleAssignmentPolicy", Val::Static("Default Role Assignment Policy"));
    add("DefaultPublicFolderMailbox", Val::Null);
    add("EffectivePublicFolderMailbox", Val::Null);
    add("SharingPolicy", Val::Static("Default Sharing Policy"));
    add("RemoteAccountPolicy", Val::Null);
    add("MailboxPlan", Val::Static(if user && big_plan { "ExchangeOnlineEnterprise" } else { "ExchangeOnline" }));
    add("ArchiveDatabase", if archive { Val::s(format!("EURPR06DG{:03}-db{:03}", (db_no + 7) % 120 + 1, db_no + 300)) } else { Val::Null });
    add("ArchiveDatabaseGuid", g(if archive { &db_guid } else { ZERO_GUID }));
    add("ArchiveGuid", g(if archive { &exo_guid_archive } else { ZERO_GUID }));
    add("ArchiveName", if archive { Val::Multi(vec![format!("In-Place Archive -{}", c.display_name)]) } else { empty() });
    add("JournalArchiveAddress", Val::Null);
    add("ArchiveQuota", size(100 * GB));
    add("ArchiveWarningQuota", size(90 * GB));
    add("ArchiveDomain", Val::Null);
    add("ArchiveStatus", Val::Static(if archive { "Active" } else { "None" }));
    add("ArchiveState", Val::Static(if archive { "Local" } else { "None" }));
    add("AutoExpandingArchiveEnabled", b(archive && r.chance(300)));
    add("DisabledMailboxLocations", b(false));
    add("RemoteRecipientType", Val::Static("None"));
    add("DisabledArchiveDatabase", Val::Null);
    add("DisabledArchiveGuid", g(ZERO_GUID));
    add("QueryBaseDN", Val::Null);
    add("QueryBaseDNRestrictionEnabled", b(false));
    add("MailboxMoveTargetMDB", Val::Null);
    add("MailboxMoveSourceMDB", Val::Null);
    add("MailboxMoveFlags", Val::Static("None"));
    add("MailboxMoveRemoteHostName", Val::Static(""));
    add("MailboxMoveBatchName", Val::Static(""));
    add("MailboxMoveStatus", Val::Static("None"));
    add("MailboxRelease", Val::Static("E15"));
    add("ArchiveRelease", Val::Static(if archive { "E15" } else { "" }));
    add("IsPersonToPersonTextMessagingEnabled", b(false));
    add("IsMachineToPersonTextMessagingEnabled", b(user));
    add("UserSMimeCertificate", empty());
    add("UserCertificate", empty());
    add("CalendarVersionStoreDisabled", b(false));
    add("ImmutableId", if synced { Val::s(base64::encode(r.guid().as_bytes()).chars().take(24).collect::<String>()) } else { Val::Static("") });
    add("PersistedCapabilities", if !user { empty() } else if big_plan { multi(&["BPOS_S_Enterprise"]) } else { multi(&["BPOS_S_Standard"]) });
    add("SKUAssigned", if user { b(true) } else { Val::Null });
    add("AuditEnabled", b(true));
    add("AuditLogAgeLimit", Val::Static("90.00:00:00"));
    add("AuditAdmin", multi(AUDIT_ADMIN));
    add("AuditDelegate", multi(AUDIT_DELEGATE));
    add("AuditOwner", multi(AUDIT_OWNER));
    add("DefaultAuditSet", multi(&["Admin", "Delegate", "Owner"]));
    add("WhenMailboxCreated", Val::Date(mbx_created, false));
    add("SourceAnchor", Val::Static(""));
    add("UsageLocation", if user { Val::Static(country(country_code)) } else { Val::Null });
    add("IsSoftDeletedByRemove", b(false));
    add("IsSoftDeletedByDisable", b(false));
    add("IsInactiveMailbox", b(false));
    add("IncludeInGarbageCollection", b(false));
    add("WhenSoftDeleted", Val::Null);
    add("InPlaceHolds", Val::Multi(holds));
    add("GeneratedOfflineAddressBooks", empty());
    add("AccountDisabled", b(!user));
    add("StsRefreshTokensValidFrom", Val::Date(created, false));
    add("NonCompliantDevices", empty());
    add("EnforcedTimestamps", Val::Null);
    add("DataEncryptionPolicy", Val::Null);
    add("MessageCopyForSMTPClientSubmissionEnabled", b(true));
    add("RecipientThrottlingThreshold", Val::Static("Standard"));
    add("SharedEmailDomainTenant", Val::Static(""));
    add("SharedEmailDomainState", Val::Static("None"));
    add("SharedWithTargetSmtpAddress", Val::Static(""));
    add("IsAuxMailbox", b(false));
    add("AuxMailboxParentObjectId", Val::Null);
    add("ChildAuxMailboxObjectIds", empty());
    add("MailboxGuidsToDelete", empty());
    add("Extensions", empty());
    add("HasPicture", b(user && r.chance(600)));
    add("HasSpokenName", b(false));
    add("IsDirSynced", b(synced));
    add("AcceptMessagesOnlyFrom", empty());
    add("AcceptMessagesOnlyFromDLMembers", empty());
    add("AcceptMessagesOnlyFromSendersOrMembers", empty());
    add("AddressListMembership", Val::Multi(address_lists));
    add("AdministrativeUnits", empty());
    add("Alias", s(&c.alias));
    add("ArbitrationMailbox", Val::Null);
    add("BypassModerationFromSendersOrMembers", empty());
    add("OrganizationalUnit", Val::s(ou.clone()));
    const CUSTOM: [&str; 15] = [
        "CustomAttribute1", "CustomAttribute2", "CustomAttribute3", "CustomAttribute4", "CustomAttribute5",
        "CustomAttribute6", "CustomAttribute7", "CustomAttribute8", "CustomAttribute9", "CustomAttribute10",
        "CustomAttribute11", "CustomAttribute12", "CustomAttribute13", "CustomAttribute14", "CustomAttribute15",
    ];
    for (n, v) in CUSTOM.iter().zip(custom) {
        add(n, Val::Str(v));
    }
    for n in ["ExtensionCustomAttribute1", "ExtensionCustomAttribute2", "ExtensionCustomAttribute3",
        "ExtensionCustomAttribute4", "ExtensionCustomAttribute5"] {
        add(n, empty());
    }
    add("DisplayName", s(&c.display_name));
    add("EmailAddresses", Val::Multi(emails));
    add("GrantSendOnBehalfTo", empty());
    add("ExternalDirectoryObjectId", s(&c.external_id));
    add("HiddenFromAddressListsEnabled", b(hidden));
    add("LastExchangeChangedTime", Val::Null);
    add("LegacyExchangeDN", s(&c.legacy_dn));
    add("MaxSendSize", size(35 * MB));
    add("MaxReceiveSize", size(36 * MB));
    add("ModeratedBy", empty());
    add("ModerationEnabled", b(false));
    add("PoliciesIncluded", Val::Multi(vec![format!("{{{}}}", t.tenant_id), "{26491cfc-9e50-4857-861b-0cb8df22b5d7}".into()]));
    add("PoliciesExcluded", empty());
    add("EmailAddressPolicyEnabled", b(user));
    add("PrimarySmtpAddress", s(&c.primary_smtp));
    add("RecipientType", Val::Static("UserMailbox"));
    add("RecipientTypeDetails", Val::Static(k.details()));
    add("RejectMessagesFrom", empty());
    add("RejectMessagesFromDLMembers", empty());
    add("RejectMessagesFromSendersOrMembers", empty());
    add("RequireSenderAuthenticationEnabled", b(false));
    add("SimpleDisplayName", Val::Static(""));
    add("SendModerationNotifications", Val::Static("Always"));
    add("UMDtmfMap", Val::Multi(dtmf_map));
    add("WindowsEmailAddress", s(&c.primary_smtp));
    add("MailTip", Val::Null);
    add("MailTipTranslations", empty());
    add("Identity", s(&c.name));
    add("Id", s(&c.name));
    add("IsValid", b(true));
    add("ExchangeVersion", Val::Static("1.1 (15.0.0.0)"));
    add("Name", s(&c.name));
    add("DistinguishedName", Val::s(c.distinguished_name(org)));
    add("ObjectCategory", Val::s(format!("{FOREST}.prod.outlook.com/Configuration/Schema/Person")));
    add("ObjectClass", multi(&["top", "person", "organizationalPerson", "user"]));
    add("WhenChanged", Val::Date(changed, false));
    add("WhenCreated", Val::Date(created, false));
    add("WhenChangedUTC", Val::Date(changed, true));
    add("WhenCreatedUTC", Val::Date(created, true));
    add("ExchangeObjectId", g(if c.external_id.is_empty() { &c.guid } else { &c.external_id }));
    add("OrganizationalUnitRoot", s(org));
    add("OrganizationId", Val::s(format!("{ou} - {FOREST}.prod.outlook.com/ConfigurationUnits/{org}/Configuration")));
    add("Guid", g(&c.guid));
    add("OriginatingServer", s(DOMAIN_CONTROLLER));
    add("ObjectState", Val::Static("Unchanged"));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_exchange() {
        assert_eq!(size_text(99 * GB), "99 GB (106,300,440,576 bytes)");
        assert_eq!(size_text(49 * GB + 512 * MB), "49.5 GB (53,150,220,288 bytes)");
        assert_eq!(size_text(256 * KB), "256 KB (262,144 bytes)");
        assert_eq!(size_text(35 * MB), "35 MB (36,700,160 bytes)");
    }

    #[test]
    fn records_are_deterministic_unique_and_uniform() {
        let t = Tenant::new(42, 3000);
        let names = t.prop_names();
        assert!(names.len() >= 225, "{} properties", names.len());
        let mut seen = std::collections::HashSet::new();
        for i in 0..3000 {
            let a = t.record(i);
            assert_eq!(a.iter().map(|(n, _)| *n).collect::<Vec<_>>(), names);
            let c = t.core(i);
            assert!(seen.insert(c.name.to_ascii_lowercase()), "duplicate name {}", c.name);
            assert!(seen.insert(format!("alias:{}", c.alias)), "duplicate alias {}", c.alias);
        }
        assert_eq!(t.record(17), Tenant::new(42, 3000).record(17));
        assert_ne!(t.record(17), Tenant::new(43, 3000).record(17));
    }
}
