namespace ExoNative
{
    /// <summary>
    /// The device-code prompt, written to the information stream (besides the warning users
    /// see) so that a script can capture it with -InformationVariable and read the code.
    /// </summary>
    public sealed class DeviceCodeMessage
    {
        public string Message { get; init; } = "";
        public string? UserCode { get; init; }
        public string? VerificationUri { get; init; }
        public int? ExpiresIn { get; init; }

        public override string ToString() => Message;
    }
}
