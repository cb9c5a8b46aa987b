using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>
/// A sealed day's bundle written straight to the response body as it is zipped, record by record: a million-record day
/// never sits in the function's memory.
/// </summary>
public sealed class BundleResult(ArchiveDaySealer sealer, DateOnly businessDate) : IActionResult
{
    /// <summary>The file name the browser saves the bundle as.</summary>
    public string FileName => $"archive-{businessDate:yyyy-MM-dd}.zip";

    /// <inheritdoc />
    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = $"attachment; filename=\"{FileName}\"";
        await using var body = new DeferredSynchronousWriteStream(response.Body);
        await sealer.WriteBundleAsync(businessDate, body, context.HttpContext.RequestAborted);
        await body.FlushAsync(context.HttpContext.RequestAborted);
    }
}
