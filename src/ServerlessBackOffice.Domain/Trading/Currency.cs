using System.Collections.Frozen;

namespace ServerlessBackOffice.Domain.Trading;

/// <summary>An ISO 4217 currency and the number of its minor units (2 for USD, 0 for JPY, 3 for BHD).</summary>
/// <param name="Code">The three-letter alphabetic code.</param>
/// <param name="MinorUnits">Decimal places of the minor unit; cash amounts are rounded to this scale.</param>
public readonly record struct Currency(string Code, int MinorUnits)
{
    /// <inheritdoc />
    public override string ToString() => Code;
}

/// <summary>
/// The ISO 4217 currencies this back office accepts. The list is the active ISO 4217 list for the currencies a
/// broker-dealer meets in practice; a code outside it is rejected at capture rather than guessed.
/// </summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, Currency> ByCode = new Currency[]
    {
        new("USD", 2), new("EUR", 2), new("GBP", 2), new("CHF", 2), new("JPY", 0), new("CAD", 2), new("AUD", 2),
        new("NZD", 2), new("SEK", 2), new("NOK", 2), new("DKK", 2), new("PLN", 2), new("CZK", 2), new("HUF", 2),
        new("HKD", 2), new("SGD", 2), new("CNY", 2), new("KRW", 0), new("INR", 2), new("ZAR", 2), new("MXN", 2),
        new("BRL", 2), new("ILS", 2), new("TRY", 2), new("BHD", 3), new("KWD", 3), new("OMR", 3), new("JOD", 3),
        new("TWD", 2), new("THB", 2), new("ISK", 0), new("CLP", 0), new("SAR", 2), new("AED", 2),
    }.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

    /// <summary>The US dollar.</summary>
    public static Currency Usd => ByCode["USD"];

    /// <summary>The euro.</summary>
    public static Currency Eur => ByCode["EUR"];

    /// <summary>The pound sterling.</summary>
    public static Currency Gbp => ByCode["GBP"];

    /// <summary>Every accepted currency.</summary>
    public static IEnumerable<Currency> All => ByCode.Values;

    /// <summary>Finds a currency by its exact upper-case ISO 4217 code.</summary>
    public static bool TryGet(string? code, out Currency currency)
    {
        if (code is not null && ByCode.TryGetValue(code, out currency))
        {
            return true;
        }

        currency = default;
        return false;
    }
}
