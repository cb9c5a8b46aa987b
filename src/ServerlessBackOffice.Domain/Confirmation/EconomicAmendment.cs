using ServerlessBackOffice.Domain.Settlement;

namespace ServerlessBackOffice.Domain.Confirmation;

/// <summary>
/// Whether an amendment changes what the counterparty confirmed. Only a change in a matched field (everything
/// <see cref="AffirmationMatcher"/> compares, except the version itself) needs a new confirmation; a booking-only change
/// (another book, a corrected correlation id) leaves the confirmation in force.
/// </summary>
public static class EconomicAmendment
{
    /// <summary>The matched fields that differ between the confirmed terms and the amended ones (empty: not economic).</summary>
    public static IReadOnlyList<Discrepancy> Changes(ConfirmationTerms confirmed, ConfirmationTerms amended)
    {
        ArgumentNullException.ThrowIfNull(confirmed);
        ArgumentNullException.ThrowIfNull(amended);

        // Exact comparison: any difference at all in a matched field is economic, whatever a counterparty would tolerate.
        return AffirmationMatcher.Match(confirmed, amended with { Version = confirmed.Version }, MatchingTolerance.Exact).Discrepancies;
    }
}
