using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>The gate's answer: proceed, or return <see cref="Refusal"/> as the response.</summary>
public sealed record Admission(bool Granted, IActionResult? Refusal, ClientPrincipal? Principal);

/// <summary>
/// Every auditor endpoint passes here first: decide from the principal header, archive the attempt (granted or not),
/// then admit or refuse. The side effects of an access — one archived record, one log line — are all here.
/// </summary>
public sealed partial class AuditorGate(AccessRecorder recorder, ILogger<AuditorGate> logger)
{
    // Longer resources are cut: the record says what was asked for, not every byte an attacker sent.
    private const int MaxResourceLength = 512;

    /// <summary>Decides, archives the attempt, and returns whether to proceed.</summary>
    public async Task<Admission> AdmitAsync(HttpRequest request, AuditorAction action, string resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var decision = AuditorAuthorization.Decide(request.Headers[ClientPrincipal.HeaderName].ToString());
        var trimmed = resource.Length > MaxResourceLength ? resource[..MaxResourceLength] : resource;
        // X-Forwarded-For is what App Service passes on; it is informative only, never used to decide.
        var client = request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded ? forwarded : request.HttpContext.Connection.RemoteIpAddress?.ToString();
        var (_, recordName) = await recorder.RecordAsync(action, trimmed, decision, client, cancellationToken);

        if (decision.Outcome == AccessOutcome.Granted)
        {
            LogGranted(action, decision.Principal?.Name, recordName);
            return new Admission(true, null, decision.Principal);
        }

        LogRefused(action, decision.Outcome, decision.Reason, decision.Principal?.Name, recordName);
        var problem = new ProblemDetails { Status = decision.StatusCode, Title = decision.Outcome == AccessOutcome.Unauthenticated ? "Unauthorized" : "Forbidden", Detail = $"Auditor access requires the {AuditorAuthorization.AuditorRole} app role." };
        return new Admission(false, new ObjectResult(problem) { StatusCode = decision.StatusCode }, decision.Principal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Auditor access granted: {Action} by {Principal}, archived as {RecordName}")]
    private partial void LogGranted(AuditorAction action, string? principal, string recordName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auditor access refused ({Outcome}, {Reason}): {Action} by {Principal}, archived as {RecordName}")]
    private partial void LogRefused(AuditorAction action, AccessOutcome outcome, string reason, string? principal, string recordName);
}
