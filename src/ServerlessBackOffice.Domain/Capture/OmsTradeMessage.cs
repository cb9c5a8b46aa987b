namespace ServerlessBackOffice.Domain.Capture;

/// <summary>
/// An OMS trade message, contract v1 (docs/contracts/oms-trade-v1.schema.json), exactly as it arrived: every field is the
/// raw string so that validation, not deserialisation, decides what is wrong and answers with a stable reason code.
/// Decimals travel as strings so no precision is lost on the way.
/// </summary>
/// <param name="SchemaVersion">Contract version; "1" is the only one accepted.</param>
/// <param name="TradeId">The OMS trade id, stable across versions of the trade.</param>
/// <param name="Version">The trade version; each amend or cancel carries a higher one.</param>
/// <param name="Action">new, amend or cancel.</param>
/// <param name="ExecutionTimestamp">Execution instant, ISO 8601 UTC with a Z.</param>
/// <param name="TradeDate">Trade date, yyyy-MM-dd.</param>
/// <param name="Account">Account id.</param>
/// <param name="Side">buy or sell.</param>
/// <param name="Isin">ISO 6166 instrument id.</param>
/// <param name="Mic">ISO 10383 execution venue.</param>
/// <param name="Quantity">Units, or nominal for bonds, as a decimal string.</param>
/// <param name="Price">Price as a decimal string.</param>
/// <param name="PriceType">perUnit or percentOfPar.</param>
/// <param name="Currency">ISO 4217 trade currency.</param>
/// <param name="CounterpartyLei">ISO 17442 counterparty id.</param>
/// <param name="Commission">Optional commission override in trade currency, as a decimal string.</param>
/// <param name="SettlementDate">Optional settlement date override, yyyy-MM-dd.</param>
/// <param name="CorrelationId">The OMS's correlation id, echoed on the reply.</param>
public sealed record OmsTradeMessage(
    string? SchemaVersion,
    string? TradeId,
    long? Version,
    string? Action,
    string? ExecutionTimestamp,
    string? TradeDate,
    string? Account,
    string? Side,
    string? Isin,
    string? Mic,
    string? Quantity,
    string? Price,
    string? PriceType,
    string? Currency,
    string? CounterpartyLei,
    string? Commission,
    string? SettlementDate,
    string? CorrelationId);

/// <summary>Limits and versions of the OMS contract.</summary>
public static class OmsContract
{
    /// <summary>The only schema version this build accepts.</summary>
    public const string SchemaVersionV1 = "1";

    /// <summary>The largest message body accepted, in bytes (64 KiB). A v1 message is under 1 KiB; anything larger is not a trade.</summary>
    public const int MaximumMessageBytes = 64 * 1024;

    /// <summary>The longest trade id, account id or correlation id accepted.</summary>
    public const int MaximumIdLength = 64;

    /// <summary>The highest version a trade may reach; a limit on everything, and far beyond any real amendment chain.</summary>
    public const long MaximumVersion = 1_000_000;
}
