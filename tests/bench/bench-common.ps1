# Helpers for the benchmark processes: memory readings, a raw token request, request headers.

function Get-ProcMemoryKb {
    # VmRSS (now) or VmHWM (peak) of this process, in kB, from /proc/self/status.
    param([ValidateSet('VmRSS', 'VmHWM')] [string] $Field)
    $line = Get-Content /proc/self/status | Where-Object { $_ -like "${Field}:*" }
    [long](($line -split '\s+')[1])
}

function New-BenchHttpClient {
    # Benchmarks talk to the loopback sandbox only; its CA is not installed system-wide.
    $handler = [Net.Http.HttpClientHandler]::new()
    $handler.ServerCertificateCustomValidationCallback = [Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
    $handler.AutomaticDecompression = [Net.DecompressionMethods]::All
    [Net.Http.HttpClient]::new($handler)
}

function ConvertTo-Base64Url([byte[]] $Bytes) {
    [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function Get-SandboxToken {
    # Client credentials with a certificate assertion signed here with .NET's RSA.
    param($Sandbox, [Net.Http.HttpClient] $Client = (New-BenchHttpClient))
    $app = $Sandbox.apps.exchangeAdmin
    $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::new($app.pfxPath, $app.pfxPassword)
    $tokenUrl = "$($Sandbox.authorityUri)/$($Sandbox.organization)/oauth2/v2.0/token"
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $header = @{ alg = 'RS256'; typ = 'JWT'; x5t = (ConvertTo-Base64Url $cert.GetCertHash()) } | ConvertTo-Json -Compress
    $claims = @{ aud = $tokenUrl; iss = $app.appId; sub = $app.appId; jti = [guid]::NewGuid().ToString(); nbf = $now; iat = $now; exp = $now + 600 } | ConvertTo-Json -Compress
    $signingInput = (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($claims)))
    $rsa = [Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
    $signature = $rsa.SignData([Text.Encoding]::UTF8.GetBytes($signingInput), [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $form = [Collections.Generic.Dictionary[string, string]]::new()
    $form['grant_type'] = 'client_credentials'
    $form['client_id'] = $app.appId
    $form['scope'] = 'https://outlook.office365.com/.default'
    $form['client_assertion_type'] = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    $form['client_assertion'] = $signingInput + '.' + (ConvertTo-Base64Url $signature)
    $response = $Client.PostAsync($tokenUrl, [Net.Http.FormUrlEncodedContent]::new($form)).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) { throw "token request failed: HTTP $([int]$response.StatusCode)" }
    ($text | ConvertFrom-Json).access_token
}

function Get-InvokeHeaders {
    param($Sandbox, [string] $Token)
    @{
        Authorization     = "Bearer $Token"
        Prefer            = 'odata.maxpagesize=1000'
        'X-AnchorMailbox' = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@$($Sandbox.tenantId)"
        'X-CmdletName'    = 'Get-Mailbox'
        'X-ResponseFormat' = 'json'
    }
}
