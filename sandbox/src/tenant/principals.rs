//! Seeded users, app registrations and managed identities, each exercising one path
//! (admin, MFA, no role, blocked by Conditional Access, disabled; app with and without role).

use super::rng::Rng;

/// Microsoft's public client for Exchange Online PowerShell, present in every tenant.
pub const PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";
/// "Office 365 Exchange Online", the resource app.
pub const EXO_RESOURCE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";
pub const EXCHANGE_ADMIN_ROLE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
/// Directory roles the admin API accepts for app-only and delegated callers.
pub const SUPPORTED_ROLES: &[&str] = &[
    EXCHANGE_ADMIN_ROLE,
    "31392ffb-586c-42d1-9346-e59415a2cc4e", // Exchange Recipient Administrator
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "5d6b6bb7-de71-4623-b4af-96380a352509", // Security Reader
    "194ae4cb-b126-40b2-bd5b-6091b380977d", // Security Administrator
    "17315797-102d-40b4-93e0-432062caca18", // Compliance Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8", // Helpdesk Administrator
];
/// "User" directory role template every member carries in `wids`.
pub const MEMBER_ROLE: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserKind {
    Admin,
    Mfa,
    NoRole,
    Blocked,
    Disabled,
}

#[derive(Clone, Debug)]
pub struct User {
    /// The key in `sandbox.json`'s `users` object.
    pub key: &'static str,
    pub kind: UserKind,
    pub upn: String,
    pub display_name: String,
    pub password: String,
    pub otp: Option<String>,
    pub object_id: String,
    pub wids: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct App {
    /// The key in `sandbox.json`'s `apps` object.
    pub key: &'static str,
    pub app_id: String,
    pub object_id: String,
    pub display_name: String,
    pub wids: Vec<&'static str>,
    /// Managed identities have no certificate.
    pub managed: bool,
}

pub struct Principals {
    pub users: Vec<User>,
    /// exchangeAdmin, noRole, then the two managed identities (system, user-assigned).
    pub apps: Vec<App>,
}

impl Principals {
    pub fn new(seed: u64, org: &str) -> Principals {
        let mut r = Rng::new(seed, u64::MAX - 1, 3);
        let mut user = |key: &'static str, kind: UserKind, local: &str, name: &str| {
            let admin = matches!(kind, UserKind::Admin | UserKind::Mfa);
            User {
                key,
                kind,
                upn: format!("{local}@{org}"),
                display_name: name.to_string(),
                password: format!("Sbx-{}-{}!", r.upper_alnum(6), r.hex(6)),
                otp: (kind == UserKind::Mfa).then(|| format!("{:06}", r.below(1_000_000))),
                object_id: r.guid(),
                wids: if admin { vec![EXCHANGE_ADMIN_ROLE, MEMBER_ROLE] } else { vec![MEMBER_ROLE] },
            }
        };
        let users = vec![
            user("admin", UserKind::Admin, "admin", "Sandbox Admin"),
            user("mfa", UserKind::Mfa, "mfa.admin", "MFA Admin"),
            user("noRole", UserKind::NoRole, "norole.user", "No Role User"),
            user("blocked", UserKind::Blocked, "blocked.user", "Blocked User"),
            user("disabled", UserKind::Disabled, "disabled.user", "Disabled User"),
        ];
        let mut app = |key: &'static str, name: &str, wids: Vec<&'static str>, managed: bool| App {
            key,
            app_id: r.guid(),
            object_id: r.guid(),
            display_name: name.to_string(),
            wids,
            managed,
        };
        let apps = vec![
            app("exchangeAdmin", "Exchange Automation", vec![EXCHANGE_ADMIN_ROLE], false),
            app("noRole", "App Without Role", vec![], false),
            app("systemAssigned", "Sandbox Automation Account", vec![EXCHANGE_ADMIN_ROLE], true),
            app("userAssigned", "sandbox-uami", vec![EXCHANGE_ADMIN_ROLE], true),
        ];
        Principals { users, apps }
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn.trim()))
    }
    pub fn user_by_key(&self, key: &str) -> Option<&User> {
        self.users.iter().find(|u| u.key.eq_ignore_ascii_case(key) || u.upn.eq_ignore_ascii_case(key))
    }
    pub fn user_by_oid(&self, oid: &str) -> Option<&User> {
        self.users.iter().find(|u| u.object_id == oid)
    }
    pub fn app(&self, app_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }
    pub fn app_by_key(&self, key: &str) -> &App {
        self.apps.iter().find(|a| a.key == key).expect("seeded app")
    }
}
