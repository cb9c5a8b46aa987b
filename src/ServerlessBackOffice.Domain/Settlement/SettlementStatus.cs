namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>Where a settlement instruction stands, as the custodian reports it (sese.024 / sese.025 semantics).</summary>
public enum SettlementStatus
{
    /// <summary>Sent to the custodian; nothing reported yet.</summary>
    Instructed,

    /// <summary>The custodian found no matching instruction from the counterparty's side (yet).</summary>
    Unmatched,

    /// <summary>Matched with the counterparty's instruction; awaiting settlement.</summary>
    Matched,

    /// <summary>Part of the quantity and cash settled.</summary>
    PartiallySettled,

    /// <summary>Fully settled. Final.</summary>
    Settled,

    /// <summary>Did not settle on the intended date; the report carries a reason code.</summary>
    Failed,

    /// <summary>Cancelled at the custodian. Final.</summary>
    Cancelled,
}

/// <summary>One status report from a custodian for one instruction.</summary>
/// <param name="StatusId">The custodian's id of the report; a redelivered report carries the same id.</param>
/// <param name="InstructionId">Our instruction id (the instruction's transaction id at the custodian).</param>
/// <param name="Status">The reported status.</param>
/// <param name="ReportedAt">When the custodian produced the report; orders reports that arrive out of order.</param>
/// <param name="SettledQuantity">Cumulative settled quantity, for partial and full settlement.</param>
/// <param name="SettledCash">Cumulative settled cash amount, for partial and full settlement.</param>
/// <param name="ReasonCode">The ISO 20022 reason code of a fail or an unmatched status (for example LACK, CLAC, MONY, CMIS).</param>
public sealed record CustodianStatusReport(
    string StatusId,
    string InstructionId,
    SettlementStatus Status,
    DateTimeOffset ReportedAt,
    decimal SettledQuantity = 0m,
    decimal SettledCash = 0m,
    string? ReasonCode = null);

/// <summary>What became of a status report.</summary>
public enum StatusDisposition
{
    /// <summary>It moved the instruction to a new state (or advanced a partial settlement).</summary>
    Applied,

    /// <summary>The same report was already received: nothing changed.</summary>
    Duplicate,

    /// <summary>It is older than what the instruction already reflects: kept in history, nothing changed.</summary>
    Stale,

    /// <summary>The transition is not valid from the current state: kept in history for operations, nothing changed.</summary>
    InvalidTransition,
}

/// <summary>A status report as kept in the instruction's history, with what became of it.</summary>
public sealed record StatusHistoryEntry(CustodianStatusReport Report, StatusDisposition Disposition, string? Note);
