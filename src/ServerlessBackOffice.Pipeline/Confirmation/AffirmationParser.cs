using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>Why an inbound message can never be processed (it is dead-lettered with this reason and description).</summary>
/// <param name="Reason">A stable reason code.</param>
/// <param name="Description">What exactly is wrong.</param>
public sealed record ConfirmationProblem(string Reason, string Description);

/// <summary>
/// Reads affirmation-v1 strictly: unknown or missing properties, numbers where strings belong, and values outside the
/// schema's patterns are refused with a reason, never guessed at.
/// </summary>
public static partial class AffirmationParser
{
    /// <summary>The largest body read; an affirmation is well under 2 KB.</summary>
    public const int MaximumBytes = 16 * 1024;

    /// <summary>The reason for a body that is not an affirmation-v1 JSON object.</summary>
    public const string MalformedReason = "MalformedAffirmation";

    /// <summary>The reason for a field outside the contract's rules.</summary>
    public const string InvalidFieldReason = "InvalidField";

    /// <summary>The reason for a schema version other than 1.</summary>
    public const string UnsupportedVersionReason = "UnsupportedSchemaVersion";

    /// <summary>Parses and validates an affirmation, or says why not.</summary>
    public static (AffirmationWire? Affirmation, ConfirmationProblem? Problem) Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaximumBytes)
        {
            return (null, new ConfirmationProblem(MalformedReason, $"The body is {body.Length} bytes; the limit is {MaximumBytes}."));
        }

        AffirmationWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(body, ConfirmationJsonContext.Default.AffirmationWire);
        }
        catch (JsonException ex)
        {
            return (null, new ConfirmationProblem(MalformedReason, $"The body is not an affirmation-v1 JSON object: {ex.Message}"));
        }

        if (wire is null)
        {
            return (null, new ConfirmationProblem(MalformedReason, "The body is JSON null, not an affirmation."));
        }

        var invalid = Validate(wire);
        return invalid is null ? (wire, null) : (null, invalid);
    }

    private static ConfirmationProblem? Validate(AffirmationWire a)
    {
        if (a.SchemaVersion != 1)
        {
            return new ConfirmationProblem(UnsupportedVersionReason, $"schemaVersion {a.SchemaVersion} is not supported; send 1.");
        }

        static ConfirmationProblem Invalid(string field, string value, string rule) =>
            new(InvalidFieldReason, $"{field} '{Truncate(value)}' {rule}.");

        if (a.AffirmationId.Length is 0 or > 64)
        {
            return Invalid("affirmationId", a.AffirmationId, "must have 1 to 64 characters");
        }

        if (a.TradeId.Length is 0 or > 64)
        {
            return Invalid("tradeId", a.TradeId, "must have 1 to 64 characters");
        }

        if (a.Version is < 1 or > int.MaxValue)
        {
            return Invalid("version", a.Version.ToString(CultureInfo.InvariantCulture), "must be a positive integer");
        }

        if (a.Account.Length is 0 or > 64)
        {
            return Invalid("account", a.Account, "must have 1 to 64 characters");
        }

        return !LeiPattern().IsMatch(a.CounterpartyLei) ? Invalid("counterpartyLei", a.CounterpartyLei, "is not an LEI")
            : !IsinPattern().IsMatch(a.Isin) ? Invalid("isin", a.Isin, "is not an ISIN")
            : a.Side is not ("Buy" or "Sell") ? Invalid("side", a.Side, "must be Buy or Sell")
            : !QuantityPattern().IsMatch(a.Quantity) ? Invalid("quantity", a.Quantity, "is not a decimal string with up to 6 decimals")
            : !PricePattern().IsMatch(a.Price) ? Invalid("price", a.Price, "is not a decimal string with up to 10 decimals")
            : !CurrencyPattern().IsMatch(a.Currency) ? Invalid("currency", a.Currency, "is not an ISO 4217 code")
            : !IsDate(a.TradeDate) ? Invalid("tradeDate", a.TradeDate, "is not a yyyy-MM-dd date")
            : !IsDate(a.SettlementDate) ? Invalid("settlementDate", a.SettlementDate, "is not a yyyy-MM-dd date")
            : !NetAmountPattern().IsMatch(a.NetAmount) ? Invalid("netAmount", a.NetAmount, "is not a decimal string with up to 4 decimals")
            : a.Comment is { Length: > 512 } ? Invalid("comment", a.Comment, "is longer than 512 characters")
            : null;
    }

    private static bool IsDate(string text) => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";

    [GeneratedRegex(@"^[A-Z0-9]{18}[0-9]{2}\z", RegexOptions.CultureInvariant)]
    private static partial Regex LeiPattern();

    [GeneratedRegex(@"^[A-Z]{2}[A-Z0-9]{9}[0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsinPattern();

    [GeneratedRegex(@"^[0-9]{1,15}(\.[0-9]{1,6})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    [GeneratedRegex(@"^[0-9]{1,12}(\.[0-9]{1,10})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PricePattern();

    [GeneratedRegex(@"^[A-Z]{3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex(@"^-?[0-9]{1,15}(\.[0-9]{1,4})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex NetAmountPattern();
}
