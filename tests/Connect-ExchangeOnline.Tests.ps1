# Connect-ExchangeOnline as a user types it: parameter mistakes are caught before any network
# call, and an -AccessToken connection (which needs no network) registers, shows in
# Get-ConnectionInformation and makes its prefixed commands.
BeforeAll {
    Import-Module ExoNative -Force

    function New-TestJwt {
        # An unsigned JWT with the claims exo_core reads; -AccessToken sends it as is.
        param([string] $Upn = 'admin@contoso.onmicrosoft.com', [string] $TenantId = '11111111-2222-3333-4444-555555555555')
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds()
        $claims = @{ aud = 'https://outlook.office365.com'; tid = $TenantId; upn = $Upn; exp = $exp } | ConvertTo-Json -Compress
        (& $b64 '{"alg":"RS256","typ":"JWT"}') + '.' + (& $b64 $claims) + '.c2ln'
    }

    function Get-ConnectError([scriptblock] $Action) {
        try { & $Action; $null } catch { $_ }
    }
}

Describe 'Connect-ExchangeOnline refuses bad parameters before any network call' {
    AfterEach { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'a prefix with symbols'; Params = @{ Prefix = 'a-b' }; Id = 'ExoNative.InvalidPrefix'; Category = 'InvalidArgument'; Message = 'Use of any special characters in the Prefix string is not supported.' }
        @{ Case = 'the reserved prefix EXO'; Params = @{ Prefix = 'EXO' }; Id = 'ExoNative.ReservedPrefix'; Category = 'InvalidArgument'; Message = "Prefix 'EXO' is a reserved Prefix, please use a different prefix." }
        @{ Case = 'a bad UPN'; Params = @{ UserPrincipalName = 'bob' }; Id = 'ExoNative.InvalidUserPrincipalName'; Category = 'InvalidArgument'; Message = '*not a valid user principal name*' }
        @{ Case = 'managed identity without -Organization'; Params = @{ ManagedIdentity = $true }; Id = 'ExoNative.OrganizationRequired'; Category = 'InvalidArgument'; Message = '*needs -Organization*' }
        @{ Case = 'a certificate without -AppId'; Params = @{ CertificateThumbprint = 'AB'; Organization = 'contoso.onmicrosoft.com' }; Id = 'ExoNative.AppIdRequired'; Category = 'InvalidArgument'; Message = '*needs -AppId*' }
        @{ Case = 'an -AppId that is not a GUID'; Params = @{ AppId = 'xyz'; CertificateThumbprint = 'AB'; Organization = 'contoso.onmicrosoft.com' }; Id = 'ExoNative.InvalidAppId'; Category = 'InvalidArgument'; Message = '*must be a GUID*' }
        @{ Case = 'an unknown thumbprint'; Params = @{ AppId = [guid]::NewGuid().Guid; CertificateThumbprint = 'ABCDEF0123'; Organization = 'contoso.onmicrosoft.com' }; Id = 'ExoNative.CertificateNotFound'; Category = 'ObjectNotFound'; Message = '*No certificate with thumbprint ABCDEF0123*' }
        @{ Case = 'a missing certificate file'; Params = @{ AppId = [guid]::NewGuid().Guid; CertificateFilePath = '/nonexistent/app.pfx'; Organization = 'contoso.onmicrosoft.com' }; Id = 'ExoNative.CertificateFileNotFound'; Category = 'ObjectNotFound'; Message = '*does not exist*' }
        @{ Case = 'a plain-http ConnectionUri'; Params = @{ ConnectionUri = 'http://outlook.office365.com' }; Id = 'ExoNative.InvalidConnectionUri'; Category = 'InvalidArgument'; Message = "Invalid ConnectionUri parameter 'http://outlook.office365.com'" }
        @{ Case = 'a relative authority URI'; Params = @{ AzureADAuthorizationEndpointUri = 'login' }; Id = 'ExoNative.InvalidAzureADAuthorizationEndpointUri'; Category = 'InvalidArgument'; Message = "Invalid AzureADAuthorizationEndpointUri parameter 'login'" }
        @{ Case = 'two sign-in methods'; Params = @{ Device = $true; AccessToken = 'x.y.z' }; Id = 'ExoNative.ConflictingSignInParameters'; Category = 'InvalidArgument'; Message = '*cannot be used together*' }
        @{ Case = '-UseRPSSession'; Params = @{ UseRPSSession = $true }; Id = 'ExoNative.UseRPSSessionNotSupported'; Category = 'NotImplemented'; Message = '*REST API*' }
    ) {
        $err = Get-ConnectError { Connect-ExchangeOnline @Params -ShowBanner:$false }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.Message | Should -BeLike $Message
        @(Get-ConnectionInformation).Count | Should -Be 0
    }

    It 'refuses a page size of <Size>' -ForEach @(@{ Size = 0 }, @{ Size = -5 }, @{ Size = 1001 }) {
        $err = Get-ConnectError { Connect-ExchangeOnline -PageSize $Size -ShowBanner:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
    }

    It 'refuses an unknown environment and names the valid ones' {
        $err = Get-ConnectError { Connect-ExchangeOnline -ExchangeEnvironmentName Mars }
        $err.Exception.Message | Should -BeLike '*O365USGovGCCHigh*'
    }

    It 'fails at once without a display, naming -Device, -AccessToken and certificate sign-in' -Skip:(-not $IsLinux) {
        $saved = $env:DISPLAY, $env:WAYLAND_DISPLAY, $env:BROWSER
        try {
            $env:DISPLAY = $null; $env:WAYLAND_DISPLAY = $null; $env:BROWSER = $null
            $err = Get-ConnectError { Connect-ExchangeOnline -UserPrincipalName admin@contoso.onmicrosoft.com }
            $err.FullyQualifiedErrorId | Should -BeLike 'ExoNative.NoBrowser,*'
            $err.Exception.Message | Should -BeLike '*-Device*-AccessToken*certificate*'
        }
        finally { $env:DISPLAY, $env:WAYLAND_DISPLAY, $env:BROWSER = $saved }
    }
}

Describe 'Connections made with -AccessToken' {
    AfterEach { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'registers a connection with the documented properties' {
        Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -ShowBanner:$false
        $c = @(Get-ConnectionInformation)
        $c.Count | Should -Be 1
        $c[0].Name | Should -Be "ExchangeOnline_$($c[0].Id)"
        $c[0].State | Should -Be 'Connected'
        $c[0].Organization | Should -Be 'contoso.onmicrosoft.com'
        $c[0].TenantID | Should -Be '11111111-2222-3333-4444-555555555555'
        $c[0].ConnectionUsedForInbuiltCmdlets | Should -BeTrue
        $c[0].TokenExpiryTimeUTC | Should -BeGreaterThan ([DateTime]::UtcNow)
        $names = $c[0].PSObject.Properties.Name
        foreach ($p in 'ConnectionId', 'State', 'Id', 'Name', 'UserPrincipalName', 'ConnectionUri', 'AzureAdAuthorizationEndpointUri',
            'TokenExpiryTimeUTC', 'CertificateAuthentication', 'ModuleName', 'ModulePrefix', 'Organization', 'DelegatedOrganization',
            'AppId', 'PageSize', 'TenantID', 'TokenStatus', 'ConnectionUsedForInbuiltCmdlets', 'IsEopSession') {
            $names | Should -Contain $p
        }
    }

    It 'shows a one-line banner unless -ShowBanner:$false' {
        $shown = Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com 6>&1
        @($shown).Count | Should -Be 1
        "$shown" | Should -BeLike '*Connected to Exchange Online*ExchangeOnline_*'
        $quiet = Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -ShowBanner:$false 6>&1
        $quiet | Should -BeNullOrEmpty
    }

    It 'makes Get-AlphaMailbox in memory and removes it on disconnect' {
        Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -Prefix Alpha -ShowBanner:$false
        Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -Prefix Beta -ShowBanner:$false
        (Get-Command Get-AlphaMailbox).Parameters.Keys | Should -Contain 'ResultSize'
        (Get-Command Get-AlphaMailbox).Parameters.Keys | Should -Not -Contain 'ConnectionId'
        (Get-ConnectionInformation -ModulePrefix Alpha).ModulePrefix | Should -Be 'Alpha'

        $alpha = Get-ConnectionInformation | Where-Object ModulePrefix -eq 'Alpha'
        Disconnect-ExchangeOnline -ConnectionId $alpha.ConnectionId -Confirm:$false 6>$null
        Get-Command Get-AlphaMailbox -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @(Get-ConnectionInformation).Count | Should -Be 1

        Disconnect-ExchangeOnline -ModulePrefix Beta -Confirm:$false 6>$null
        @(Get-ConnectionInformation).Count | Should -Be 0
        Get-Command Get-BetaMailbox -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
