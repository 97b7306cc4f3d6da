namespace ExoNative
{
    /// <summary>The clouds of -ExchangeEnvironmentName; exo_core maps each to its endpoints.</summary>
    public enum ExchangeEnvironment
    {
        O365Default,
        O365USGovGCCHigh,
        O365USGovDoD,
        O365China,
        O365GermanyCloud,
    }
}
