using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>A listed record: its name within the day, size and SHA-256 (hex), as the seal's manifest will list it.</summary>
public sealed record RecordListing(string Name, long Size, string Sha256);

/// <summary>
/// The auditor API (docs/archive.md, "Auditor access"). Each function admits the caller through <see cref="AuditorGate"/>
/// — which archives the attempt — and then does one thing. App Service authentication protects every route but
/// /api/health, so an anonymous function level is correct here: the platform authenticates, the gate authorizes.
/// </summary>
public sealed class AuditorFunctions(AuditorGate gate, IArchiveStore store, ArchiveDaySealer sealer, IArchiveReadLinks links, IArchiveBundlePublisher publisher)
{
    /// <summary>GET /api/auditor/days: the archived days, oldest first.</summary>
    [Function("auditor-days")]
    public async Task<IActionResult> ListDaysAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auditor/days")] HttpRequest request, CancellationToken cancellationToken)
    {
        var admission = await gate.AdmitAsync(request, AuditorAction.ListDays, "days", cancellationToken);
        if (!admission.Granted)
        {
            return admission.Refusal!;
        }

        var days = await store.DaysAsync(cancellationToken).Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToListAsync(cancellationToken);
        return new OkObjectResult(days);
    }

    /// <summary>GET /api/auditor/days/{day}/records: a day's records with size and SHA-256, streamed as a JSON array.</summary>
    [Function("auditor-records")]
    public async Task<IActionResult> ListRecordsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auditor/days/{day}/records")] HttpRequest request, string day, CancellationToken cancellationToken)
    {
        var admission = await gate.AdmitAsync(request, AuditorAction.ListRecords, day, cancellationToken);
        if (!admission.Granted)
        {
            return admission.Refusal!;
        }

        if (!TryParseDay(day, out var businessDate))
        {
            return BadDay(day);
        }

        // An IAsyncEnumerable result is serialized as it is listed: a million-record day is never held in memory.
        return new OkObjectResult(store.ListAsync(businessDate, cancellationToken)
            .Select(r => new RecordListing(r.Name, r.Size, Convert.ToHexStringLower(r.Sha256))));
    }

    /// <summary>GET /api/auditor/days/{day}/bundle: a sealed day as one zip, streamed (manifest, signature, keys, records).</summary>
    [Function("auditor-bundle")]
    public async Task<IActionResult> DownloadBundleAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auditor/days/{day}/bundle")] HttpRequest request, string day, CancellationToken cancellationToken)
    {
        var admission = await gate.AdmitAsync(request, AuditorAction.DownloadBundle, day, cancellationToken);
        if (!admission.Granted)
        {
            return admission.Refusal!;
        }

        if (!TryParseDay(day, out var businessDate))
        {
            return BadDay(day);
        }

        return await store.ReadSealAsync(businessDate, cancellationToken) is null ? NotSealed(day) : new BundleResult(sealer, businessDate);
    }

    /// <summary>GET /api/auditor/days/{day}/bundle/link: a read-only link to the sealed day's bundle, valid 15 minutes.</summary>
    [Function("auditor-bundle-link")]
    public async Task<IActionResult> LinkBundleAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auditor/days/{day}/bundle/link")] HttpRequest request, string day, CancellationToken cancellationToken)
    {
        var admission = await gate.AdmitAsync(request, AuditorAction.LinkBundle, day, cancellationToken);
        if (!admission.Granted)
        {
            return admission.Refusal!;
        }

        if (!TryParseDay(day, out var businessDate))
        {
            return BadDay(day);
        }

        if (await store.ReadSealAsync(businessDate, cancellationToken) is null)
        {
            return NotSealed(day);
        }

        var blobName = await publisher.PublishAsync(businessDate, cancellationToken);
        var link = await links.CreateAsync(blobName, cancellationToken);
        return new OkObjectResult(new { url = link.Uri.AbsoluteUri, expiresOn = link.ExpiresOn });
    }

    /// <summary>GET /api/auditor/days/{day}/records/link?name=…: a read-only link to one record, valid 15 minutes.</summary>
    [Function("auditor-record-link")]
    public async Task<IActionResult> LinkRecordAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auditor/days/{day}/records/link")] HttpRequest request, string day, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Query["name"].ToString();
        var admission = await gate.AdmitAsync(request, AuditorAction.LinkRecord, $"{day}/{name}", cancellationToken);
        if (!admission.Granted)
        {
            return admission.Refusal!;
        }

        if (!TryParseDay(day, out var businessDate))
        {
            return BadDay(day);
        }

        string blobName;
        try
        {
            blobName = BlobArchiveStore.RecordBlobName(businessDate, name);
        }
        catch (ArgumentException)
        {
            return new BadRequestObjectResult(new ProblemDetails { Status = 400, Title = "Bad record name", Detail = "name must be a record's relative path within the day." });
        }

        var link = await links.CreateAsync(blobName, cancellationToken);
        return new OkObjectResult(new { url = link.Uri.AbsoluteUri, expiresOn = link.ExpiresOn });
    }

    private static bool TryParseDay(string day, out DateOnly businessDate) =>
        DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out businessDate);

    private static BadRequestObjectResult BadDay(string day) =>
        new(new ProblemDetails { Status = 400, Title = "Bad day", Detail = $"'{day}' is not a date in the form yyyy-MM-dd." });

    private static NotFoundObjectResult NotSealed(string day) =>
        new(new ProblemDetails { Status = 404, Title = "Not sealed", Detail = $"{day} is not sealed; bundles are offered for sealed days only." });
}
