using System;
using System.Globalization;

namespace ExoNative
{
    /// <summary>
    /// The -ResultSize argument: a positive number or 'Unlimited', like Exchange's
    /// Unlimited&lt;uint&gt;. PowerShell converts arguments through these constructors, so
    /// 0, a negative number or other text fails parameter binding, before any call.
    /// </summary>
    public readonly struct ResultSize
    {
        private const string Rule = "ResultSize must be a whole number greater than 0, or 'Unlimited'.";

        public static readonly ResultSize Unlimited = new(isUnlimited: true, 0);
        public static readonly ResultSize Default = new(isUnlimited: false, 1000);

        private ResultSize(bool isUnlimited, long value)
        {
            IsUnlimited = isUnlimited;
            Value = value;
        }

        public ResultSize(int value) : this((long)value) { }

        public ResultSize(uint value) : this((long)value) { }

        public ResultSize(long value)
        {
            if (value <= 0)
            {
                throw new ArgumentException($"'{value}' is not a valid ResultSize. {Rule}");
            }
            IsUnlimited = false;
            Value = value;
        }

        public ResultSize(string value)
        {
            if (string.Equals(value?.Trim(), "Unlimited", StringComparison.OrdinalIgnoreCase))
            {
                IsUnlimited = true;
                Value = 0;
                return;
            }
            if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0)
            {
                IsUnlimited = false;
                Value = n;
                return;
            }
            throw new ArgumentException($"'{value}' is not a valid ResultSize. {Rule}");
        }

        public bool IsUnlimited { get; }

        /// <summary>The number of records; 0 when unlimited.</summary>
        public long Value { get; }

        public override string ToString() => IsUnlimited ? "Unlimited" : Value.ToString(CultureInfo.InvariantCulture);
    }
}
