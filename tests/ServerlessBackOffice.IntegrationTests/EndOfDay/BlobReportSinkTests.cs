using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using ServerlessBackOffice.Azure.EndOfDay;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.IntegrationTests.EndOfDay;

/// <summary>The report sink on Blob Storage through the real Azure.Storage.Blobs client, against Azurite.</summary>
public sealed class BlobReportSinkOnAzuriteTests(AzuriteFixture azurite) : BlobReportSinkTests(azurite);

/// <summary>The same tests against the in-process Blob stand-in.</summary>
public sealed class BlobReportSinkOnStandInTests(BlobStandInFixture standIn) : BlobReportSinkTests(standIn);

/// <summary>Reports land once at &lt;date&gt;/&lt;file&gt;; a re-delivery is recognised by its SHA-256, a different report is a conflict.</summary>
public abstract class BlobReportSinkTests(BlobServiceFixture blob) : IAsyncLifetime
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private BlobContainerClient _container = null!;

    public async ValueTask InitializeAsync() => _container = await blob.NewContainerAsync(_ct);

    public async ValueTask DisposeAsync()
    {
        await _container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        GC.SuppressFinalize(this);
    }

    private static MemoryStream Report(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Write_CreatesTheDaysReport_WithItsContentTypeAndSha256()
    {
        var result = await new BlobReportSink(_container).WriteAsync(Day, "positions.csv", Report("isin,quantity\n"), _ct);

        Assert.Equal(ReportSinkResult.Written, result);
        var blob = _container.GetBlobClient("2026-11-24/positions.csv");
        var properties = (await blob.GetPropertiesAsync(cancellationToken: _ct)).Value;
        Assert.Equal("text/csv; charset=utf-8", properties.ContentType);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("isin,quantity\n"))), properties.Metadata[BlobReportSink.Sha256MetadataKey]);
        Assert.Equal("isin,quantity\n", (await blob.DownloadContentAsync(_ct)).Value.Content.ToString());
    }

    [Fact]
    public async Task Write_OfTheSameReportAgain_IsAlreadyThere_AndOfADifferentOne_IsAConflictThatChangesNothing()
    {
        var sink = new BlobReportSink(_container);
        await sink.WriteAsync(Day, "breaks.csv", Report("a"), _ct);
        var etag = (await _container.GetBlobClient("2026-11-24/breaks.csv").GetPropertiesAsync(cancellationToken: _ct)).Value.ETag;

        var again = await sink.WriteAsync(Day, "breaks.csv", Report("a"), _ct);
        var different = await sink.WriteAsync(Day, "breaks.csv", Report("b"), _ct);

        Assert.Equal(ReportSinkResult.AlreadyThere, again);
        Assert.Equal(ReportSinkResult.Conflict, different);
        var blob = _container.GetBlobClient("2026-11-24/breaks.csv");
        Assert.Equal(etag, (await blob.GetPropertiesAsync(cancellationToken: _ct)).Value.ETag);
        Assert.Equal("a", (await blob.DownloadContentAsync(_ct)).Value.Content.ToString());
    }
}
