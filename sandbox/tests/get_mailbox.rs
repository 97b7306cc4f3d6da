//! Get-Mailbox semantics: Identity forms, Anr, Filter, RecipientTypeDetails, SortBy,
//! switches and parameter errors.

mod common;

use common::*;
use serde_json::{json, Value};

fn names(r: &Reply) -> Vec<String> {
    r.body["value"].as_array().unwrap().iter().map(|v| v["Name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn identity_every_form() {
    let env = start(400);
    let token = app_token(&env);
    let truth = truth(&env);
    let rec = truth.iter().find(|r| r["RecipientTypeDetails"] == "UserMailbox").unwrap();
    let name = rec["Name"].as_str().unwrap();
    let sam = rec["SamAccountName"].as_str().unwrap();
    let secondary = rec["EmailAddresses"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).find(|a| a.starts_with("smtp:")).unwrap();
    let forms = [
        name.to_string(),
        name.to_uppercase(),
        rec["Alias"].as_str().unwrap().to_string(),
        rec["DistinguishedName"].as_str().unwrap().to_string(),
        format!("EURPR06A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/{name}"),
        format!("EURPR06A001\\{sam}"),
        rec["PrimarySmtpAddress"].as_str().unwrap().to_string(),
        secondary[5..].to_string(),
        rec["Guid"].as_str().unwrap().to_string(),
        rec["ExchangeGuid"].as_str().unwrap().to_uppercase(),
        rec["ExternalDirectoryObjectId"].as_str().unwrap().to_string(),
        rec["LegacyExchangeDN"].as_str().unwrap().to_string(),
        sam.to_string(),
        rec["UserPrincipalName"].as_str().unwrap().to_string(),
    ];
    for f in forms {
        let r = invoke(&env, &token, json!({"Identity": f}));
        assert_eq!(r.status, 200, "{f}: {}", r.body);
        assert_eq!(names(&r), vec![name.to_string()], "{f}");
        assert!(r.body["@adminapi.warnings"].as_array().unwrap().is_empty());
    }
    let r = invoke(&env, &token, json!({"Identity": "no.such.person"}));
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], "NotFound");
    assert_eq!(r.headers["x-exceptiontype"], "ManagementObjectNotFoundException");
    assert_eq!(
        r.body["error"]["details"][0]["message"],
        "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'no.such.person' couldn't be found on 'DB6PR06A001DC06.EURPR06A001.prod.outlook.com'."
    );
    // Wildcards.
    let prefix = &name[..3];
    let r = invoke(&env, &token, json!({"Identity": format!("{prefix}*"), "ResultSize": "Unlimited"}));
    let want: Vec<&str> = truth.iter().map(|r| r["Name"].as_str().unwrap()).filter(|n| n.to_lowercase().starts_with(&prefix.to_lowercase())).collect();
    assert!(names(&r).len() >= want.len() && !want.is_empty());
    let disc = invoke(&env, &token, json!({"Identity": "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}"}));
    assert_eq!(disc.body["value"][0]["RecipientTypeDetails"], "DiscoveryMailbox");
}

#[test]
fn anr_filter_types_and_sort() {
    let env = start(600);
    let token = app_token(&env);
    let truth = truth(&env);
    let all = |p: Value| invoke_all(&env, &token, p, None).0;
    // RecipientTypeDetails.
    let shared = all(json!({"RecipientTypeDetails": "SharedMailbox", "ResultSize": "Unlimited"}));
    let want = truth.iter().filter(|r| r["RecipientTypeDetails"] == "SharedMailbox").count();
    assert_eq!(shared.len(), want);
    assert!(want > 10, "about 8% shared");
    let rooms_equipment = all(json!({"RecipientTypeDetails": ["RoomMailbox", "EquipmentMailbox"], "ResultSize": "Unlimited"}));
    assert!(rooms_equipment.iter().all(|r| r["RecipientTypeDetails"] == "RoomMailbox" || r["RecipientTypeDetails"] == "EquipmentMailbox"));
    assert!(rooms_equipment.iter().filter(|r| r["RecipientTypeDetails"] == "RoomMailbox").all(|r| r["ResourceCapacity"].is_number()));
    assert_eq!(truth.iter().filter(|r| r["RecipientTypeDetails"] == "DiscoveryMailbox").count(), 1);
    // Filter.
    let f = all(json!({"Filter": "RecipientTypeDetails -eq 'UserMailbox' -and (LitigationHoldEnabled -eq $true -or ForwardingSmtpAddress -ne $null)", "ResultSize": "Unlimited"}));
    let want: Vec<&Value> = truth.iter().filter(|r| r["RecipientTypeDetails"] == "UserMailbox" && (r["LitigationHoldEnabled"] == true || !r["ForwardingSmtpAddress"].is_null())).collect();
    assert_eq!(f.len(), want.len());
    assert!(!want.is_empty());
    let f = all(json!({"Filter": "EmailAddresses -like '*@contoso.mail.onmicrosoft.com' -and -not (HiddenFromAddressListsEnabled -eq $true)", "ResultSize": "Unlimited"}));
    let want = truth.iter().filter(|r| r["EmailAddresses"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().ends_with("@contoso.mail.onmicrosoft.com")) && r["HiddenFromAddressListsEnabled"] == false).count();
    assert_eq!(f.len(), want);
    let bad = invoke(&env, &token, json!({"Filter": "Name -eq"}));
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"]["details"][0]["message"].as_str().unwrap().contains("Invalid filter syntax"));
    let bad = invoke(&env, &token, json!({"Filter": "Shoe -eq 'x'"}));
    assert!(bad.body["error"]["details"][0]["message"].as_str().unwrap().contains("\"Shoe\" is not a recognized filterable property"));
    // Anr.
    let first = truth.iter().find(|r| r["RecipientTypeDetails"] == "UserMailbox").unwrap()["DisplayName"].as_str().unwrap().split(' ').next().unwrap().to_string();
    let anr = all(json!({"Anr": first.to_lowercase(), "ResultSize": "Unlimited"}));
    assert!(!anr.is_empty() && anr.iter().all(|r| r["DisplayName"].as_str().unwrap().contains(&first) || r["Alias"].as_str().unwrap().starts_with(&first.to_lowercase())));
    // SortBy, paged.
    let (sorted, pages, _) = invoke_all(&env, &token, json!({"SortBy": "DisplayName", "ResultSize": "Unlimited"}), Some(100));
    assert_eq!((sorted.len(), pages), (600, 6));
    let keys: Vec<String> = sorted.iter().map(|r| r["DisplayName"].as_str().unwrap().to_lowercase()).collect();
    let mut expect = keys.clone();
    expect.sort();
    assert_eq!(keys, expect);
    // Archive switch, empty switches.
    let archived = all(json!({"Archive": true, "ResultSize": "Unlimited"}));
    assert!(!archived.is_empty() && archived.iter().all(|r| r["ArchiveStatus"] == "Active"));
    assert!(all(json!({"SoftDeletedMailbox": true})).is_empty());
}

#[test]
fn parameter_and_request_errors() {
    let env = start(10);
    let token = app_token(&env);
    let cases = [
        (json!({"Shoe": 1}), "A parameter cannot be found that matches parameter name 'Shoe'."),
        (json!({"ResultSize": 0}), "ResultSize"),
        (json!({"ResultSize": "lots"}), "ResultSize"),
        (json!({"RecipientTypeDetails": "Castle"}), "RecipientTypeDetails"),
        (json!({"SortBy": "Shoe"}), "SortBy"),
        (json!({"Identity": "a", "Anr": "b"}), "Parameter set cannot be resolved"),
        (json!({"Archive": "yes"}), "Archive"),
    ];
    for (p, text) in cases {
        let r = invoke(&env, &token, p.clone());
        assert_eq!(r.status, 400, "{p}");
        assert_eq!(r.body["error"]["message"], "Error executing cmdlet");
        assert!(r.body["error"]["details"][0]["message"].as_str().unwrap().contains(text), "{p}: {}", r.body);
    }
    let r = env.http.post(invoke_url(&env)).bearer_auth(&token).json(&json!({"CmdletInput": {"CmdletName": "Get-Castle"}})).send().unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().unwrap().contains("CommandNotFoundException"));
    let r = env.http.post(invoke_url(&env)).bearer_auth(&token).json(&json!({"CmdletInput": {"CmdletName": "get-mailbox"}})).header("Prefer", "odata.maxpagesize=5000").send().unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = env.http.post(invoke_url(&env)).json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox"}})).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = env.http.post(invoke_url(&env)).bearer_auth("a.b.c").json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox"}})).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // gzip when asked.
    let r = env.http.post(invoke_url(&env)).bearer_auth(&token).header("Accept-Encoding", "gzip").json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox"}})).send().unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let mut text = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(&r.bytes().unwrap()[..]).read_to_string(&mut text).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["value"].as_array().unwrap().len(), 10);
}
