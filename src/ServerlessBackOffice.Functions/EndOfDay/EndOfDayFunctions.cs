using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Functions.EndOfDay;

/// <summary>
/// The end of day's triggers. A timer every five minutes closes each book whose close passed in its own time zone (and
/// catches up closes it missed); operations can run a date on demand over HTTP. Both call <see cref="EndOfDayScheduler"/>;
/// both are idempotent, so a timer firing twice or an operator pressing twice changes nothing.
/// </summary>
public sealed partial class EndOfDayFunctions(EndOfDayScheduler scheduler, ILogger<EndOfDayFunctions> logger)
{
    /// <summary>The app role allowed to run the end of day on demand.</summary>
    public const string OperationsRole = "Operations";

    /// <summary>Every five minutes: close what is due.</summary>
    [Function("end-of-day-timer")]
    public async Task RunDueAsync([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        foreach (var result in await scheduler.RunDueAsync(cancellationToken))
        {
            foreach (var book in result.Books)
            {
                LogClosed(book.Book, book.BusinessDate, book.Inputs, book.Written, result.Sealed);
            }
        }
    }

    /// <summary>
    /// POST /api/operations/end-of-day/{yyyy-MM-dd}: closes the date's books whose close passed. App Service authentication
    /// protects the route; the caller must hold the Operations app role: 401 without a readable principal, 403 without the role.
    /// </summary>
    [Function("end-of-day-run")]
    public async Task<IActionResult> RunOnDemandAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "operations/end-of-day/{day}")] HttpRequest request, string day, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[ClientPrincipal.HeaderName].ToString();
        if (!ClientPrincipal.TryDecode(header, out var principal) || principal is null)
        {
            LogRefused(day, null, StatusCodes.Status401Unauthorized);
            return Problem(StatusCodes.Status401Unauthorized, "Unauthorized");
        }

        if (!principal.HasRole(OperationsRole))
        {
            LogRefused(day, principal.Name, StatusCodes.Status403Forbidden);
            return Problem(StatusCodes.Status403Forbidden, "Forbidden");
        }

        if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var businessDate))
        {
            return new BadRequestObjectResult(new ProblemDetails { Status = 400, Title = "Bad date", Detail = $"'{day}' is not a yyyy-MM-dd date." });
        }

        var outcome = await scheduler.RunForDateAsync(businessDate, cancellationToken);
        LogOnDemand(businessDate, principal.Name, outcome.Result.Books.Count, outcome.Result.Sealed);
        return new OkObjectResult(new
        {
            businessDate = day,
            closed = outcome.Result.Books.Select(b => new { book = b.Book, inputs = b.Inputs, written = b.Written }),
            notYetClosed = outcome.NotYetClosed,
            @sealed = outcome.Result.Sealed,
        });
    }

    private static ObjectResult Problem(int status, string title) =>
        new(new ProblemDetails { Status = status, Title = title, Detail = $"Running the end of day requires the {OperationsRole} app role." }) { StatusCode = status };

    [LoggerMessage(Level = LogLevel.Information, Message = "End of day closed book {Book} for {BusinessDate}: {Inputs} records, {Written} reports written; day sealed {Sealed}")]
    private partial void LogClosed(string book, DateOnly businessDate, int inputs, int written, bool @sealed);

    [LoggerMessage(Level = LogLevel.Information, Message = "End of day of {BusinessDate} run on demand by {Principal}: {Books} books closed, sealed {Sealed}")]
    private partial void LogOnDemand(DateOnly businessDate, string? principal, int books, bool @sealed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "End of day run for {Day} refused with {Status} (principal {Principal})")]
    private partial void LogRefused(string day, string? principal, int status);
}
