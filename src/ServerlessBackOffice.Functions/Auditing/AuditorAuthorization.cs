namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>What an auditor asked for.</summary>
public enum AuditorAction
{
    /// <summary>The list of archived days.</summary>
    ListDays,

    /// <summary>The list of a day's records with their hashes.</summary>
    ListRecords,

    /// <summary>A sealed day's bundle, streamed.</summary>
    DownloadBundle,

    /// <summary>A short-lived read-only link to one record.</summary>
    LinkRecord,

    /// <summary>A short-lived read-only link to a sealed day's bundle.</summary>
    LinkBundle,
}

/// <summary>How an access attempt was decided.</summary>
public enum AccessOutcome
{
    /// <summary>An authenticated caller with the Auditor role.</summary>
    Granted,

    /// <summary>No principal, or one that cannot be read: HTTP 401.</summary>
    Unauthenticated,

    /// <summary>An authenticated caller without the Auditor role: HTTP 403.</summary>
    Forbidden,
}

/// <summary>The decision on one request, and who made it (null when nobody could be identified).</summary>
public sealed record AccessDecision(AccessOutcome Outcome, ClientPrincipal? Principal, string Reason)
{
    /// <summary>The HTTP status a refusal answers with (200 for a grant, whose response the function decides).</summary>
    public int StatusCode => Outcome switch
    {
        AccessOutcome.Granted => 200,
        AccessOutcome.Unauthenticated => 401,
        _ => 403,
    };
}

/// <summary>Decides auditor access from the App Service principal alone: a pure function, no I/O.</summary>
public static class AuditorAuthorization
{
    /// <summary>The app role auditors hold (infra/entra/api-app-roles.json).</summary>
    public const string AuditorRole = "Auditor";

    /// <summary>Decides on the raw <c>X-MS-CLIENT-PRINCIPAL</c> header value.</summary>
    public static AccessDecision Decide(string? principalHeader)
    {
        if (string.IsNullOrWhiteSpace(principalHeader))
        {
            return new AccessDecision(AccessOutcome.Unauthenticated, null, "no client principal");
        }

        if (!ClientPrincipal.TryDecode(principalHeader, out var principal) || principal is null)
        {
            return new AccessDecision(AccessOutcome.Unauthenticated, null, "unreadable client principal");
        }

        return principal.HasRole(AuditorRole)
            ? new AccessDecision(AccessOutcome.Granted, principal, "holds the Auditor role")
            : new AccessDecision(AccessOutcome.Forbidden, principal, "lacks the Auditor role");
    }
}
