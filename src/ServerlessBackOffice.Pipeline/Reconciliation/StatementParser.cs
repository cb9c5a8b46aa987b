using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessBackOffice.Domain.Reconciliation;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>
/// Reads holdings-statement-v1 and cash-statement-v1 strictly: unknown or missing properties, numbers where strings
/// belong, values outside the schema's patterns and a line repeated for the same ISIN or currency are refused with a
/// reason, never guessed at.
/// </summary>
public static partial class StatementParser
{
    /// <summary>The largest body read.</summary>
    public const int MaximumBytes = 1024 * 1024;

    /// <summary>The most lines a statement may carry (a limit on everything).</summary>
    public const int MaximumLines = 10_000;

    /// <summary>The reason for a body that is not a statement JSON object.</summary>
    public const string MalformedReason = "MalformedStatement";

    /// <summary>The reason for a field outside the contract's rules.</summary>
    public const string InvalidFieldReason = "InvalidField";

    /// <summary>The reason for a schema version other than 1.</summary>
    public const string UnsupportedVersionReason = "UnsupportedSchemaVersion";

    /// <summary>The reason for a statement of an account our reference data does not know.</summary>
    public const string UnknownAccountReason = "UnknownAccount";

    /// <summary>Parses a holdings statement, or says why not.</summary>
    public static (Statement? Statement, StatementProblem? Problem) ParseHoldings(ReadOnlySpan<byte> body)
    {
        var (wire, problem) = Deserialize(body, StatementJsonContext.Default.HoldingsStatementWire, "holdings-statement-v1");
        if (wire is null)
        {
            return (null, problem);
        }

        var header = Header(wire.SchemaVersion, wire.StatementId, "custodianLei", wire.CustodianLei, wire.Account, wire.StatementDate, wire.Holdings.Count);
        if (header is not null)
        {
            return (null, header);
        }

        var lines = new List<Holding>(wire.Holdings.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < wire.Holdings.Count; i++)
        {
            var line = wire.Holdings[i];
            if (!IsinPattern().IsMatch(line.Isin))
            {
                return (null, Invalid($"holdings[{i}].isin", line.Isin, "is not an ISIN"));
            }

            if (!QuantityPattern().IsMatch(line.Quantity))
            {
                return (null, Invalid($"holdings[{i}].quantity", line.Quantity, "is not a decimal string with up to 6 decimals"));
            }

            if (!seen.Add(line.Isin))
            {
                return (null, Invalid($"holdings[{i}].isin", line.Isin, "appears twice"));
            }

            lines.Add(new Holding(wire.Account, HoldingKind.Securities, line.Isin, decimal.Parse(line.Quantity, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)));
        }

        return (new Statement(wire.StatementId, HoldingKind.Securities, wire.CustodianLei, wire.Account, Date(wire.StatementDate), lines), null);
    }

    /// <summary>Parses a cash statement, or says why not.</summary>
    public static (Statement? Statement, StatementProblem? Problem) ParseCash(ReadOnlySpan<byte> body)
    {
        var (wire, problem) = Deserialize(body, StatementJsonContext.Default.CashStatementWire, "cash-statement-v1");
        if (wire is null)
        {
            return (null, problem);
        }

        var header = Header(wire.SchemaVersion, wire.StatementId, "servicerLei", wire.ServicerLei, wire.Account, wire.StatementDate, wire.Balances.Count);
        if (header is not null)
        {
            return (null, header);
        }

        var lines = new List<Holding>(wire.Balances.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < wire.Balances.Count; i++)
        {
            var line = wire.Balances[i];
            if (!CurrencyPattern().IsMatch(line.Currency))
            {
                return (null, Invalid($"balances[{i}].currency", line.Currency, "is not an ISO 4217 code"));
            }

            if (!AmountPattern().IsMatch(line.ClosingBalance))
            {
                return (null, Invalid($"balances[{i}].closingBalance", line.ClosingBalance, "is not a signed decimal string with up to 4 decimals"));
            }

            if (!seen.Add(line.Currency))
            {
                return (null, Invalid($"balances[{i}].currency", line.Currency, "appears twice"));
            }

            lines.Add(new Holding(wire.Account, HoldingKind.Cash, line.Currency, decimal.Parse(line.ClosingBalance, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)));
        }

        return (new Statement(wire.StatementId, HoldingKind.Cash, wire.ServicerLei, wire.Account, Date(wire.StatementDate), lines), null);
    }

    private static (T? Wire, StatementProblem? Problem) Deserialize<T>(ReadOnlySpan<byte> body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string contract)
        where T : class
    {
        if (body.Length > MaximumBytes)
        {
            return (null, new StatementProblem(MalformedReason, $"The body is {body.Length} bytes; the limit is {MaximumBytes}."));
        }

        try
        {
            var wire = JsonSerializer.Deserialize(body, info);
            return wire is null
                ? (null, new StatementProblem(MalformedReason, $"The body is JSON null, not a {contract}."))
                : (wire, null);
        }
        catch (JsonException ex)
        {
            return (null, new StatementProblem(MalformedReason, $"The body is not a {contract} JSON object: {ex.Message}"));
        }
    }

    private static StatementProblem? Header(int schemaVersion, string statementId, string senderField, string sender, string account, string statementDate, int lineCount)
    {
        if (schemaVersion != 1)
        {
            return new StatementProblem(UnsupportedVersionReason, $"schemaVersion {schemaVersion} is not supported; send 1.");
        }

        return statementId.Length is 0 or > 64 ? Invalid("statementId", statementId, "must have 1 to 64 characters")
            : !LeiPattern().IsMatch(sender) ? Invalid(senderField, sender, "is not an LEI")
            : account.Length is 0 or > 64 ? Invalid("account", account, "must have 1 to 64 characters")
            : !DateOnly.TryParseExact(statementDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? Invalid("statementDate", statementDate, "is not a yyyy-MM-dd date")
            : lineCount > MaximumLines ? Invalid("lines", lineCount.ToString(CultureInfo.InvariantCulture), $"exceeds the limit of {MaximumLines}")
            : null;
    }

    private static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static StatementProblem Invalid(string field, string value, string rule) =>
        new(InvalidFieldReason, $"{field} '{(value.Length <= 80 ? value : value[..80] + "…")}' {rule}.");

    [GeneratedRegex(@"^[A-Z0-9]{18}[0-9]{2}\z", RegexOptions.CultureInvariant)]
    private static partial Regex LeiPattern();

    [GeneratedRegex(@"^[A-Z]{2}[A-Z0-9]{9}[0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsinPattern();

    [GeneratedRegex(@"^-?[0-9]{1,15}(\.[0-9]{1,6})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    [GeneratedRegex(@"^[A-Z]{3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex(@"^-?[0-9]{1,15}(\.[0-9]{1,4})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex AmountPattern();
}
