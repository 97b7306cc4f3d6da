// MsalCheck: an independent client of the sandbox tenant. MSAL.NET (Microsoft's own library,
// which talks to the real Entra ID every day) acquires tokens from exo-sandbox; if MSAL
// rejects the sandbox, the sandbox is wrong. Used by tests/Sandbox.Msal.Tests.ps1.
//
//   MsalCheck <sandbox.json> clientcredentials [--app NAME] [--cert-of NAME] [--tenant T] [--ca PEM] [--verbose]
//   MsalCheck <sandbox.json> devicecode [--user NAME] [--tenant T] [--ca PEM] [--verbose]
//
// stdout: one JSON object. On success {"ok":true,...,"claims":{...}} with selected claims of
// the access token (never the token itself); on failure {"ok":false,"errorCode":...} with
// MSAL's error code. Exit code 0 on success, 1 when MSAL fails (an error from the sandbox),
// 2 on a usage error, 3 when HTTP itself fails (TLS verification, connection).

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

namespace MsalCheck;

internal static class Program
{
    private const string ExchangeScope = "https://outlook.office365.com/.default";

    private static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("usage: MsalCheck <sandbox.json> clientcredentials|devicecode [--app NAME] [--cert-of NAME] [--user NAME] [--tenant T] [--ca PEM] [--verbose]");
            return 2;
        }

        s_verbose = options.Verbose;
        JsonElement info = JsonDocument.Parse(File.ReadAllText(options.SandboxJson)).RootElement;
        string caPath = options.CaPath ?? info.GetProperty("caCertificatePath").GetString()!;
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        var httpFactory = new SandboxHttpClientFactory(ca, options.Verbose);
        string tenant = options.Tenant ?? info.GetProperty("tenantId").GetString()!;
        string authority = info.GetProperty("authorityUri").GetString()!.TrimEnd('/') + "/" + tenant;

        try
        {
            JsonObject output = options.Mode switch
            {
                "clientcredentials" => await ClientCredentialsAsync(info, options, authority, httpFactory),
                "devicecode" => await DeviceCodeAsync(info, options, authority, httpFactory),
                _ => throw new InvalidOperationException("unreachable"),
            };
            output["ok"] = true;
            output["mode"] = options.Mode;
            output["authority"] = authority;
            output["requests"] = new JsonArray(httpFactory.Requests.Select(r => (JsonNode)r).ToArray());
            Console.WriteLine(output.ToJsonString());
            return 0;
        }
        catch (MsalException e)
        {
            var output = new JsonObject
            {
                ["ok"] = false,
                ["mode"] = options.Mode,
                ["authority"] = authority,
                ["errorCode"] = e.ErrorCode,
                ["exception"] = e.GetType().Name,
                ["message"] = e.Message,
            };
            if (e is MsalServiceException service)
            {
                output["statusCode"] = service.StatusCode;
                try
                {
                    // Entra's AADSTS numbers, from the error body MSAL kept.
                    output["errorCodes"] = JsonNode.Parse(service.ResponseBody ?? "")?["error_codes"]?.DeepClone();
                }
                catch (JsonException)
                {
                }
            }
            output["requests"] = new JsonArray(httpFactory.Requests.Select(r => (JsonNode)r).ToArray());
            Console.WriteLine(output.ToJsonString());
            Console.Error.WriteLine($"MSAL error: {e.ErrorCode}");
            if (options.Verbose)
            {
                Console.Error.WriteLine(e.ToString());
            }
            return 1;
        }
        catch (HttpRequestException e)
        {
            // Transport failures reach the caller unwrapped (MSAL has no error code for them):
            // TLS verification against the sandbox's CA, refused hosts, connection errors.
            var output = new JsonObject
            {
                ["ok"] = false,
                ["mode"] = options.Mode,
                ["authority"] = authority,
                ["errorCode"] = "http_request_failed",
                ["exception"] = e.GetType().Name,
                ["message"] = e.InnerException is null ? e.Message : $"{e.Message} {e.InnerException.Message}",
                ["requests"] = new JsonArray(httpFactory.Requests.Select(r => (JsonNode)r).ToArray()),
            };
            Console.WriteLine(output.ToJsonString());
            Console.Error.WriteLine($"HTTP failure: {output["message"]}");
            return 3;
        }
    }

    private static async Task<JsonObject> ClientCredentialsAsync(JsonElement info, Options options, string authority, SandboxHttpClientFactory httpFactory)
    {
        JsonElement apps = info.GetProperty("apps");
        JsonElement app = apps.GetProperty(options.App);
        // --cert-of presents another app's certificate under this app's id: the sandbox must refuse it.
        JsonElement certApp = apps.GetProperty(options.CertOf ?? options.App);
        using X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(
            certApp.GetProperty("pfxPath").GetString()!, certApp.GetProperty("pfxPassword").GetString(), X509KeyStorageFlags.EphemeralKeySet);

        IConfidentialClientApplication cca = ConfidentialClientApplicationBuilder
            .Create(app.GetProperty("appId").GetString())
            .WithCertificate(certificate)
            // A non-Microsoft host: no authority validation, no instance discovery (which
            // would ask login.microsoftonline.com about the host).
            .WithAuthority(authority, validateAuthority: false)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(httpFactory)
            .WithLogging(Log, LogLevel.Verbose, enablePiiLogging: false, enableDefaultPlatformLogging: false)
            .Build();

        AuthenticationResult result = await cca.AcquireTokenForClient(new[] { ExchangeScope }).ExecuteAsync();
        // A second call is served from MSAL's cache: the response was well-formed enough to cache.
        AuthenticationResult cached = await cca.AcquireTokenForClient(new[] { ExchangeScope }).ExecuteAsync();

        return new JsonObject
        {
            ["claims"] = Claims(result.AccessToken, "aud", "iss", "tid", "appid", "roles", "wids", "ver"),
            ["adminApi"] = await GetMailboxAsync(info, httpFactory, result.AccessToken),
            ["tokenType"] = result.TokenType,
            ["scopes"] = new JsonArray(result.Scopes.Select(s => (JsonNode)s).ToArray()),
            ["expiresInSeconds"] = (int)(result.ExpiresOn - DateTimeOffset.UtcNow).TotalSeconds,
            ["tokenSource"] = result.AuthenticationResultMetadata.TokenSource.ToString(),
            ["secondCallTokenSource"] = cached.AuthenticationResultMetadata.TokenSource.ToString(),
            ["sameTokenFromCache"] = cached.AccessToken == result.AccessToken,
        };
    }

    private static async Task<JsonObject> DeviceCodeAsync(JsonElement info, Options options, string authority, SandboxHttpClientFactory httpFactory)
    {
        string controlUri = info.GetProperty("connectionUri").GetString()!.TrimEnd('/') + "/_sandbox/device/approve";
        string controlKey = info.GetProperty("controlKey").GetString()!;

        IPublicClientApplication pca = PublicClientApplicationBuilder
            .Create(info.GetProperty("publicClientId").GetString())
            .WithAuthority(authority, validateAuthority: false)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(httpFactory)
            .WithLogging(Log, LogLevel.Verbose, enablePiiLogging: false, enableDefaultPlatformLogging: false)
            .Build();

        var device = new JsonObject();
        AuthenticationResult result = await pca.AcquireTokenWithDeviceCode(new[] { ExchangeScope }, async code =>
        {
            device["userCodeLength"] = code.UserCode.Length;
            device["verificationUrl"] = code.VerificationUrl;
            device["intervalSeconds"] = code.Interval;
            device["hasMessage"] = !string.IsNullOrEmpty(code.Message);
            device["expiresInSeconds"] = (int)(code.ExpiresOn - DateTimeOffset.UtcNow).TotalSeconds;
            // The person at the browser: approve the code through the control API.
            using var request = new HttpRequestMessage(HttpMethod.Post, controlUri)
            {
                Content = new StringContent(JsonSerializer.Serialize(new { userCode = code.UserCode, user = options.User }), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Sandbox-Key", controlKey);
            using HttpResponseMessage response = await httpFactory.GetHttpClient().SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"device/approve answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }).ExecuteAsync(CancellationToken.None);

        // The account MSAL built from client_info and the id token; a silent call with a
        // forced refresh redeems the refresh token MSAL cached for it.
        IAccount account = result.Account;
        IAccount? listed = (await pca.GetAccountsAsync()).SingleOrDefault();
        AuthenticationResult refreshed = await pca.AcquireTokenSilent(new[] { ExchangeScope }, account).WithForceRefresh(true).ExecuteAsync();

        return new JsonObject
        {
            ["claims"] = Claims(result.AccessToken, "aud", "iss", "tid", "upn", "scp", "appid", "oid", "ver"),
            ["adminApi"] = await GetMailboxAsync(info, httpFactory, result.AccessToken),
            ["device"] = device,
            ["tokenType"] = result.TokenType,
            ["scopes"] = new JsonArray(result.Scopes.Select(s => (JsonNode)s).ToArray()),
            ["tenantId"] = result.TenantId,
            ["uniqueId"] = result.UniqueId,
            ["idTokenClaims"] = result.IdToken is null ? null : Claims(result.IdToken, "aud", "iss", "tid", "oid", "preferred_username", "ver"),
            ["account"] = new JsonObject
            {
                ["username"] = account?.Username,
                ["homeAccountId"] = account?.HomeAccountId?.Identifier,
                ["environment"] = account?.Environment,
                ["listedInCache"] = listed is not null && listed.HomeAccountId?.Identifier == account?.HomeAccountId?.Identifier,
            },
            ["refresh"] = new JsonObject
            {
                ["tokenSource"] = refreshed.AuthenticationResultMetadata.TokenSource.ToString(),
                ["newToken"] = refreshed.AccessToken != result.AccessToken,
                ["claims"] = Claims(refreshed.AccessToken, "aud", "tid", "upn", "scp"),
            },
        };
    }

    // The token MSAL holds, used as a client would: Get-Mailbox -ResultSize 1 on the admin API.
    private static async Task<JsonObject> GetMailboxAsync(JsonElement info, SandboxHttpClientFactory httpFactory, string accessToken)
    {
        string uri = $"{info.GetProperty("connectionUri").GetString()!.TrimEnd('/')}/adminapi/beta/{info.GetProperty("tenantId").GetString()}/InvokeCommand";
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent("{\"CmdletInput\":{\"CmdletName\":\"Get-Mailbox\",\"Parameters\":{\"ResultSize\":1}}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using HttpResponseMessage response = await httpFactory.GetHttpClient().SendAsync(request);
        int? count = null;
        if (response.IsSuccessStatusCode)
        {
            count = (JsonNode.Parse(await response.Content.ReadAsStringAsync())?["value"] as JsonArray)?.Count;
        }
        return new JsonObject { ["status"] = (int)response.StatusCode, ["count"] = count };
    }

    // Selected claims of a JWT (payload decoded, not verified: the sandbox's admin API verifies).
    private static JsonObject Claims(string jwt, params string[] names)
    {
        string[] parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            throw new InvalidDataException("the token is not a JWS compact serialization");
        }
        string payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        JsonObject all = JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
        var selected = new JsonObject();
        foreach (string name in names)
        {
            if (all.TryGetPropertyValue(name, out JsonNode? value))
            {
                selected[name] = value?.DeepClone();
            }
        }
        return selected;
    }

    private static bool s_verbose;

    private static void Log(LogLevel level, string message, bool containsPii)
    {
        if (s_verbose)
        {
            Console.Error.WriteLine($"[msal {level}] {message}");
        }
    }
}

internal sealed record Options(string SandboxJson, string Mode, string App, string? CertOf, string User, string? Tenant, string? CaPath, bool Verbose)
{
    public static Options Parse(string[] args)
    {
        if (args.Length < 2)
        {
            throw new ArgumentException("expected the path of sandbox.json and a mode");
        }
        string mode = args[1].ToLowerInvariant();
        if (mode is not ("clientcredentials" or "devicecode"))
        {
            throw new ArgumentException($"unknown mode '{args[1]}'");
        }
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        bool verbose = false;
        for (int i = 2; i < args.Length; i++)
        {
            if (args[i] == "--verbose")
            {
                verbose = true;
            }
            else if (args[i] is "--app" or "--cert-of" or "--user" or "--tenant" or "--ca" && i + 1 < args.Length)
            {
                values[args[i]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        return new Options(args[0], mode, values.GetValueOrDefault("--app", "exchangeAdmin"), values.GetValueOrDefault("--cert-of"),
            values.GetValueOrDefault("--user", "admin"), values.GetValueOrDefault("--tenant"), values.GetValueOrDefault("--ca"), verbose);
    }
}

/// <summary>
/// MSAL's HTTP: TLS verified against the sandbox's own CA (and nothing else: no system roots,
/// no blind acceptance), host name checked, and loopback only. Records every request line.
/// </summary>
internal sealed class SandboxHttpClientFactory : IMsalHttpClientFactory
{
    private readonly HttpClient _client;

    public List<string> Requests { get; } = new();

    public SandboxHttpClientFactory(X509Certificate2 ca, bool verbose)
    {
        var handler = new HttpClientHandler
        {
            UseProxy = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                // The name must match and a certificate must be there; chain errors are
                // expected (the CA is not in the system store) and decided below.
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        _client = new HttpClient(new LoopbackOnly(handler, Requests, verbose));
    }

    public HttpClient GetHttpClient() => _client;

    private sealed class LoopbackOnly : DelegatingHandler
    {
        private readonly List<string> _requests;
        private readonly bool _verbose;

        public LoopbackOnly(HttpMessageHandler inner, List<string> requests, bool verbose) : base(inner)
        {
            _requests = requests;
            _verbose = verbose;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Uri uri = request.RequestUri!;
            string line = $"{request.Method} {uri.AbsolutePath}";
            if (!(uri.IsLoopback || uri.Host == "localhost"))
            {
                lock (_requests) { _requests.Add(line + " (refused: not loopback " + uri.Host + ")"); }
                throw new HttpRequestException($"MsalCheck talks only to the local sandbox; refused {uri.Host}");
            }
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            lock (_requests) { _requests.Add($"{line} {(int)response.StatusCode}"); }
            if (_verbose)
            {
                Console.Error.WriteLine($"[http] {line} {(int)response.StatusCode}");
            }
            return response;
        }
    }
}
