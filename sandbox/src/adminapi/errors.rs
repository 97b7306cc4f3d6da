//! The admin API's error body:
//! `{"error":{"code","message","details":[{"code":"Context","target":"","message":"ErrorId|ExceptionClass|Text"}],"innererror":{...}}}`
//! plus `x-ExceptionType`.

use serde_json::{json, Value};

use crate::http::{self, Resp};
use crate::tenant::DOMAIN_CONTROLLER;

#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// `ErrorId|ExceptionClass|Text` (the first observed detail shape).
    pub detail: Option<String>,
    pub exception_type: &'static str,
}

impl ApiError {
    pub fn body(&self) -> Value {
        let mut e = json!({
            "code": self.code,
            "message": self.message,
            "innererror": {"message": self.message, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"},
        });
        if let Some(d) = &self.detail {
            e["details"] = json!([{"code": "Context", "target": "", "message": d}]);
        }
        json!({ "error": e })
    }

    pub fn into_resp(self) -> Resp {
        let mut r = http::json(self.status, &self.body());
        http::set_header(&mut r, "x-exceptiontype", self.exception_type);
        r
    }

    fn cmdlet(status: u16, code: &'static str, id: &str, class: &'static str, text: String) -> ApiError {
        let short = class.rsplit('.').next().unwrap_or(class);
        ApiError {
            status,
            code,
            message: "Error executing cmdlet".into(),
            detail: Some(format!("{id}|{class}|{text}")),
            exception_type: short,
        }
    }

    /// 404: `ManagementObjectNotFoundException`.
    pub fn not_found(identity: &str) -> ApiError {
        Self::cmdlet(
            404,
            "NotFound",
            "Ex6F9304",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            format!("The operation couldn't be performed because object '{identity}' couldn't be found on '{DOMAIN_CONTROLLER}'."),
        )
    }

    /// 400: the identity matches several objects.
    pub fn ambiguous(identity: &str) -> ApiError {
        Self::cmdlet(
            400,
            "BadRequest",
            "ExB485A4",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException",
            format!("The operation couldn't be performed because '{identity}' matches multiple entries."),
        )
    }

    /// 400: a parameter problem (binding, validation, parameter set).
    pub fn parameter(text: String) -> ApiError {
        Self::cmdlet(400, "BadRequest", "Ex49D8F2", "System.Management.Automation.ParameterBindingException", text)
    }

    /// 400: an invalid filter.
    pub fn filter(text: String) -> ApiError {
        Self::cmdlet(400, "BadRequest", "ExBB7F1C", "Microsoft.Exchange.Management.Tasks.InvalidFilterException", text)
    }

    /// 400: unknown cmdlet.
    pub fn unknown_cmdlet(name: &str) -> ApiError {
        Self::cmdlet(
            400,
            "BadRequest",
            "",
            "System.Management.Automation.CommandNotFoundException",
            format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."),
        )
    }

    /// 400: the request body is not a CmdletInput.
    pub fn bad_request(text: String) -> ApiError {
        ApiError { status: 400, code: "BadRequest", message: text, detail: None, exception_type: "BadRequestException" }
    }

    /// 401 without details: missing, invalid or expired token.
    pub fn unauthorized(text: &str) -> ApiError {
        ApiError { status: 401, code: "Unauthorized", message: text.to_string(), detail: None, exception_type: "UnauthorizedAccessException" }
    }

    /// 401: the app's role does not allow this (app-only). (open: 401 chosen over 403.)
    pub fn app_role(app_id: &str) -> ApiError {
        let text = format!("The role assigned to application {app_id} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.");
        ApiError {
            status: 401,
            code: "Unauthorized",
            message: text.clone(),
            detail: Some(format!("|System.UnauthorizedAccessException|{text}")),
            exception_type: "UnauthorizedAccessException",
        }
    }

    /// 403: a user without Exchange RBAC for the cmdlet.
    pub fn not_allowed(cmdlet: &str) -> ApiError {
        let text = format!("User is not allowed to call {cmdlet}");
        ApiError {
            status: 403,
            code: "Forbidden",
            message: text.clone(),
            detail: Some(format!("|System.UnauthorizedAccessException|{text}")),
            exception_type: "UnauthorizedAccessException",
        }
    }
}

/// Body for an injected status fault on the admin API.
pub fn status_error(status: u16) -> Resp {
    let (code, message) = match status {
        429 => ("TooManyRequests", "Too many requests. Retry after the time given in Retry-After."),
        500 => ("InternalServerError", "A server side error has occurred because of which the operation could not be completed. Please try again after some time."),
        502 => ("BadGateway", "Bad gateway."),
        503 => ("ServiceUnavailable", "The service is temporarily unavailable. Please try again after some time."),
        504 => ("GatewayTimeout", "The gateway timed out."),
        408 => ("RequestTimeout", "The request timed out."),
        _ => ("Error", "Injected fault."),
    };
    http::json(status, &json!({"error": {"code": code, "message": message}}))
}
