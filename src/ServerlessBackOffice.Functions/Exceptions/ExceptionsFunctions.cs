using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Azure.Exceptions;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Exceptions;

namespace ServerlessBackOffice.Functions.Exceptions;

/// <summary>Decides exception-management access from the App Service principal alone: a pure function, no I/O.</summary>
public static class ExceptionsAuthorization
{
    /// <summary>The app role that lists exceptions and proposes repairs (the maker).</summary>
    public const string OperationsRole = "Operations";

    /// <summary>The app role that approves or rejects repairs (the checker); it also lists exceptions.</summary>
    public const string SupervisorRole = "Supervisor";

    /// <summary>Decides on the raw <c>X-MS-CLIENT-PRINCIPAL</c> header: granted when the principal holds any of <paramref name="roles"/>.</summary>
    public static AccessDecision Decide(string? principalHeader, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        if (string.IsNullOrWhiteSpace(principalHeader))
        {
            return new AccessDecision(AccessOutcome.Unauthenticated, null, "no client principal");
        }

        if (!ClientPrincipal.TryDecode(principalHeader, out var principal) || principal is null)
        {
            return new AccessDecision(AccessOutcome.Unauthenticated, null, "unreadable client principal");
        }

        return roles.Any(principal.HasRole)
            ? new AccessDecision(AccessOutcome.Granted, principal, "holds the role")
            : new AccessDecision(AccessOutcome.Forbidden, principal, $"lacks the {string.Join(" or ", roles)} role");
    }

    /// <summary>The person's name as recorded on a repair: the principal's name, else its object id.</summary>
    public static string Actor(ClientPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.Name ?? principal.ObjectId ?? "unknown";
    }
}

/// <summary>A repair proposal as posted.</summary>
/// <param name="Kind">ResubmitMessage, ForceMatch, CancelAndRebook or ExplainBreak.</param>
/// <param name="CaseId">The exception's case id (from the list).</param>
/// <param name="After">The corrected body, tolerance, rebooked trade or explanation.</param>
/// <param name="Reason">Why.</param>
public sealed record RepairProposal(string Kind, string CaseId, string? After, string Reason);

/// <summary>A checker's decision as posted.</summary>
/// <param name="Comment">Optional comment.</param>
public sealed record RepairDecision(string? Comment);

/// <summary>An exception as listed.</summary>
public sealed record ExceptionListing(string CaseId, string Type, string Subject, string Reason, string RaisedOn, int AgeBusinessDays, string Owner, IReadOnlyList<string> History, IReadOnlyList<string> RepairIds);

/// <summary>
/// The exceptions API (docs/exceptions.md): list exceptions (Operations or Supervisor), propose a repair (Operations),
/// approve or reject one (Supervisor, never the maker). App Service authentication protects the routes; each function
/// authorizes from the client principal header (401 without one, 403 without the role) and then calls one service.
/// </summary>
public sealed partial class ExceptionsFunctions(ExceptionsQuery query, RepairService repairs, TimeProvider clock, ILogger<ExceptionsFunctions> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>GET /api/exceptions?type=&amp;asOf=yyyy-MM-dd: the open exceptions, oldest first.</summary>
    [Function("exceptions-list")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "exceptions")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Refuse(request, out _, ExceptionsAuthorization.OperationsRole, ExceptionsAuthorization.SupervisorRole) is { } refusal)
        {
            return refusal;
        }

        ExceptionType? type = null;
        if (request.Query["type"].ToString() is { Length: > 0 } typeText)
        {
            if (!Enum.TryParse<ExceptionType>(typeText, ignoreCase: true, out var parsed))
            {
                return Problem(400, "Bad request", $"Unknown exception type '{typeText}': {string.Join(", ", Enum.GetNames<ExceptionType>())}.");
            }

            type = parsed;
        }

        var asOf = ArchiveRecordNames.DayOf(clock.GetUtcNow());
        if (request.Query["asOf"].ToString() is { Length: > 0 } asOfText && !DateOnly.TryParseExact(asOfText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out asOf))
        {
            return Problem(400, "Bad request", $"asOf '{asOfText}' is not a yyyy-MM-dd date.");
        }

        var views = await query.ListAsync(asOf, type, cancellationToken);
        return new OkObjectResult(views.Select(Listing).ToList());
    }

    /// <summary>GET /api/exceptions/repairs: every repair with its state and history.</summary>
    [Function("exceptions-repairs")]
    public async Task<IActionResult> ListRepairsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "exceptions/repairs")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Refuse(request, out _, ExceptionsAuthorization.OperationsRole, ExceptionsAuthorization.SupervisorRole) is { } refusal)
        {
            return refusal;
        }

        return new OkObjectResult(await repairs.ListAsync(cancellationToken).ToListAsync(cancellationToken));
    }

    /// <summary>POST /api/exceptions/repairs: propose a repair (role Operations); the caller is the maker.</summary>
    [Function("exceptions-propose")]
    public async Task<IActionResult> ProposeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exceptions/repairs")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Refuse(request, out var maker, ExceptionsAuthorization.OperationsRole) is { } refusal)
        {
            return refusal;
        }

        RepairProposal? proposal;
        try
        {
            proposal = await JsonSerializer.DeserializeAsync<RepairProposal>(request.Body, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Problem(400, "Bad request", $"The body is not a repair proposal: {ex.Message}");
        }

        if (proposal is null || !Enum.TryParse<RepairKind>(proposal.Kind, ignoreCase: true, out var kind) || string.IsNullOrWhiteSpace(proposal.CaseId))
        {
            return Problem(400, "Bad request", $"A proposal needs kind ({string.Join(", ", Enum.GetNames<RepairKind>())}), caseId, after and reason.");
        }

        var result = await repairs.ProposeAsync(kind, proposal.CaseId, proposal.After ?? string.Empty, proposal.Reason, maker!, cancellationToken);
        LogRequest("propose", result.Repair?.RepairId ?? proposal.CaseId, maker!, result.Outcome);
        return Answer(result);
    }

    /// <summary>POST /api/exceptions/repairs/{repairId}/approve: approve and execute (role Supervisor, not the maker).</summary>
    [Function("exceptions-approve")]
    public Task<IActionResult> ApproveAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exceptions/repairs/{repairId}/approve")] HttpRequest request, string repairId, CancellationToken cancellationToken) =>
        DecideAsync(request, repairId, approve: true, cancellationToken);

    /// <summary>POST /api/exceptions/repairs/{repairId}/reject: reject (role Supervisor, not the maker).</summary>
    [Function("exceptions-reject")]
    public Task<IActionResult> RejectAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exceptions/repairs/{repairId}/reject")] HttpRequest request, string repairId, CancellationToken cancellationToken) =>
        DecideAsync(request, repairId, approve: false, cancellationToken);

    private async Task<IActionResult> DecideAsync(HttpRequest request, string repairId, bool approve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Refuse(request, out var checker, ExceptionsAuthorization.SupervisorRole) is { } refusal)
        {
            return refusal;
        }

        RepairDecision? decision = null;
        if (request.ContentLength is > 0 || request.Body.CanSeek && request.Body.Length > 0)
        {
            try
            {
                decision = await JsonSerializer.DeserializeAsync<RepairDecision>(request.Body, Json, cancellationToken);
            }
            catch (JsonException ex)
            {
                return Problem(400, "Bad request", $"The body is not a decision: {ex.Message}");
            }
        }

        var result = approve
            ? await repairs.ApproveAsync(repairId, checker!, decision?.Comment, cancellationToken)
            : await repairs.RejectAsync(repairId, checker!, decision?.Comment, cancellationToken);
        LogRequest(approve ? "approve" : "reject", repairId, checker!, result.Outcome);
        return Answer(result);
    }

    private static ObjectResult? Refuse(HttpRequest request, out string? actor, params string[] roles)
    {
        var decision = ExceptionsAuthorization.Decide(request.Headers[ClientPrincipal.HeaderName].ToString(), roles);
        actor = decision.Principal is null ? null : ExceptionsAuthorization.Actor(decision.Principal);
        return decision.Outcome == AccessOutcome.Granted
            ? null
            : Problem(decision.StatusCode, decision.Outcome == AccessOutcome.Unauthenticated ? "Unauthorized" : "Forbidden", $"This needs the {string.Join(" or ", roles)} app role.");
    }

    private static ObjectResult Answer(RepairResult result)
    {
        var status = result.Outcome switch
        {
            RepairOutcome.Proposed => 201,
            RepairOutcome.Executed or RepairOutcome.Rejected or RepairOutcome.AlreadyExecuted => 200,
            RepairOutcome.NotFound => 404,
            RepairOutcome.SameAsMaker => 403,
            RepairOutcome.WrongState => 409,
            _ => 400,
        };
        return new ObjectResult(new { outcome = result.Outcome.ToString(), description = result.Description, repair = result.Repair }) { StatusCode = status };
    }

    private static ObjectResult Problem(int status, string title, string detail) =>
        new(new ProblemDetails { Status = status, Title = title, Detail = detail }) { StatusCode = status };

    private static ExceptionListing Listing(ExceptionView view) => new(
        view.Case.CaseId, view.Case.Type.ToString(), view.Case.Subject, view.Case.Reason, view.Case.RaisedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        view.AgeBusinessDays, view.Case.Owner, view.Case.History, [.. view.Repairs.Select(r => r.RepairId)]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exceptions API {Step} of {Subject} by {Actor}: {Outcome}")]
    private partial void LogRequest(string step, string subject, string actor, RepairOutcome outcome);
}

/// <summary>Registers the exceptions API.</summary>
public static class ExceptionsApiServiceCollectionExtensions
{
    /// <summary>The exceptions view and repairs over the shared composition (call after AddBackOffice).</summary>
    public static IServiceCollection AddExceptionsApi(this IServiceCollection services, IConfiguration configuration) =>
        services.AddExceptionManagement(configuration);
}
