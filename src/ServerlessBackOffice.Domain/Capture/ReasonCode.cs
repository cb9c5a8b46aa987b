namespace ServerlessBackOffice.Domain.Capture;

/// <summary>
/// Why a message was rejected or dead-lettered. The names are the stable codes sent to the OMS (docs/contracts/oms-trade-v1.md
/// lists them with their meanings): add new ones, never rename or reuse one.
/// </summary>
public enum ReasonCode
{
    /// <summary>The body is not a JSON object of the contract's shape.</summary>
    MalformedMessage,

    /// <summary>The body is larger than <see cref="OmsContract.MaximumMessageBytes"/>.</summary>
    PayloadTooLarge,

    /// <summary>schemaVersion is missing or not a version this build accepts.</summary>
    UnsupportedSchemaVersion,

    /// <summary>A required field is missing or empty.</summary>
    MissingField,

    /// <summary>A field has the wrong format (date, decimal, enumeration, length).</summary>
    InvalidField,

    /// <summary>The ISIN's format or check digit is wrong.</summary>
    InvalidIsin,

    /// <summary>The ISIN is well formed but not in reference data.</summary>
    UnknownInstrument,

    /// <summary>The counterparty LEI's format or check digits are wrong.</summary>
    InvalidLei,

    /// <summary>The LEI is well formed but not a counterparty in reference data.</summary>
    UnknownCounterparty,

    /// <summary>The account is not in reference data.</summary>
    UnknownAccount,

    /// <summary>The MIC is not a known ISO 10383 market, or the instrument is not traded there.</summary>
    UnknownMarket,

    /// <summary>The currency is not ISO 4217, or is not the instrument's currency.</summary>
    UnknownCurrency,

    /// <summary>Quantity is zero or negative.</summary>
    NonPositiveQuantity,

    /// <summary>Price is zero or negative.</summary>
    NonPositivePrice,

    /// <summary>The price type does not fit the instrument (percent of par for shares, or per unit for bonds).</summary>
    PriceTypeMismatch,

    /// <summary>The trade date is later than today in the book's time zone.</summary>
    TradeDateInFuture,

    /// <summary>The trade date is older than the configured window (30 calendar days by default).</summary>
    TradeDateTooOld,

    /// <summary>The trade date is not a trading day of the instrument's market.</summary>
    TradeDateNotTradingDay,

    /// <summary>The settlement date override is before the trade date or not a settlement day.</summary>
    InvalidSettlementDate,

    /// <summary>No calendar or settlement cycle covers the dates (reference data must be extended).</summary>
    CalendarUnavailable,

    /// <summary>The same version of the trade arrived again with different content.</summary>
    VersionConflict,

    /// <summary>A cancel arrived for a trade that has settled; settled trades are corrected by a new trade, not cancelled.</summary>
    CancelAfterSettlement,

    /// <summary>An amend arrived for a trade that has settled.</summary>
    AmendAfterSettlement,

    /// <summary>A higher version arrived for a trade that is already cancelled; cancellation is final.</summary>
    TradeAlreadyCancelled,

    /// <summary>Dead-lettered: processing failed more times than the retry limit allows.</summary>
    DeliveryLimitExceeded,

    /// <summary>
    /// Dead-lettered: the message id was already archived with a different body (an OMS that reuses an id for other content).
    /// The body is not applied; it must be sent again under a new message id.
    /// </summary>
    MessageIdReused,
}
