using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Capture;

/// <summary>The lifecycle action a message carries.</summary>
public enum LifecycleAction
{
    /// <summary>A new trade.</summary>
    New,

    /// <summary>A full restatement of the trade with a higher version.</summary>
    Amend,

    /// <summary>A cancellation carrying the full last state and a higher version.</summary>
    Cancel,
}

/// <summary>
/// The validated terms of one version of a trade. Value equality is what "same content" means for a repeated version,
/// so the correlation id (which the OMS may change on a resend) is deliberately not part of it.
/// </summary>
/// <param name="TradeId">OMS trade id.</param>
/// <param name="Version">Trade version.</param>
/// <param name="Action">Lifecycle action.</param>
/// <param name="ExecutedAt">Execution instant (UTC).</param>
/// <param name="TradeDate">Trade date.</param>
/// <param name="AccountId">Account.</param>
/// <param name="Side">Buy or sell.</param>
/// <param name="Isin">Instrument.</param>
/// <param name="Mic">Venue.</param>
/// <param name="Quantity">Units or nominal.</param>
/// <param name="Price">Price.</param>
/// <param name="PriceType">Price type.</param>
/// <param name="Currency">Trade currency.</param>
/// <param name="CounterpartyLei">Counterparty.</param>
/// <param name="CommissionOverride">Ticket commission, or null for the schedule.</param>
/// <param name="SettlementDateOverride">Agreed settlement date, or null for the standard cycle.</param>
public sealed record TradeTerms(
    string TradeId,
    long Version,
    LifecycleAction Action,
    DateTimeOffset ExecutedAt,
    DateOnly TradeDate,
    string AccountId,
    Side Side,
    string Isin,
    string Mic,
    decimal Quantity,
    decimal Price,
    PriceType PriceType,
    Currency Currency,
    string CounterpartyLei,
    decimal? CommissionOverride,
    DateOnly? SettlementDateOverride);

/// <summary>A trade version after validation and enrichment: its terms and everything computed from reference data.</summary>
/// <param name="Terms">The validated terms.</param>
/// <param name="BookId">The account's book.</param>
/// <param name="CustodianLei">The account's custodian.</param>
/// <param name="AssetClass">The instrument's asset class.</param>
/// <param name="SettlementDate">Contractual settlement date.</param>
/// <param name="Economics">Gross, commission, fees, accrued, net.</param>
public sealed record EnrichedTrade(TradeTerms Terms, string BookId, string CustodianLei, AssetClass AssetClass, DateOnly SettlementDate, TradeEconomics Economics);
