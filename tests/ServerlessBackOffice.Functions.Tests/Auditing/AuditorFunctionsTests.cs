using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Functions.Tests.Auditing;

/// <summary>The auditor API: who gets in, what they get, and that every attempt is itself archived.</summary>
public sealed class AuditorFunctionsTests : IDisposable
{
    private static readonly DateOnly ArchivedDay = new(2026, 11, 24);
    private static readonly DateOnly Today = new(2026, 11, 25);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 8, 30, 15, TimeSpan.Zero));
    private readonly InMemoryArchiveStore _store = new();
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();
    private readonly Mock<IArchiveReadLinks> _links = new(MockBehavior.Strict);
    private readonly Mock<IArchiveBundlePublisher> _publisher = new(MockBehavior.Strict);

    public void Dispose() => _key.Dispose();

    private ArchiveDaySealer Sealer() => new(_store, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance);

    private AuditorFunctions Functions(IArchiveStore? store = null) => new(
        new AuditorGate(new AccessRecorder(store ?? _store, _time), NullLogger<AuditorGate>.Instance),
        store ?? _store, Sealer(), _links.Object, _publisher.Object);

    private static HttpRequest Request(string? principalHeader, string? query = null)
    {
        var context = new DefaultHttpContext();
        if (principalHeader is not null)
        {
            context.Request.Headers[ClientPrincipal.HeaderName] = principalHeader;
        }

        context.Request.QueryString = new QueryString(query ?? string.Empty);
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    private static string Auditor => Principals.Header("ana@example.com", "Auditor");

    private async Task ArchiveAndSealADayAsync()
    {
        await _store.WriteAsync(new ArchiveRecord(ArchivedDay, "inbound/oms/T-1/v1.json", Encoding.UTF8.GetBytes("""{"tradeId":"T-1"}"""), "application/json"), _ct);
        await _store.WriteAsync(new ArchiveRecord(ArchivedDay, "state/trades/T-1/v1.json", Encoding.UTF8.GetBytes("""{"state":"Captured"}"""), "application/json"), _ct);
        await Sealer().SealAsync(ArchivedDay, _ct);
    }

    /// <summary>The access records archived today, parsed.</summary>
    private async Task<List<JsonElement>> AccessRecordsAsync()
    {
        var records = new List<JsonElement>();
        await foreach (var info in _store.ListAsync(Today, _ct))
        {
            Assert.StartsWith(AccessRecorder.Folder, info.Name, StringComparison.Ordinal);
            await using var content = (await _store.OpenAsync(Today, info.Name, _ct))!;
            records.Add((await JsonDocument.ParseAsync(content, cancellationToken: _ct)).RootElement.Clone());
        }

        return records;
    }

    [Fact]
    public async Task ACallerWithoutAPrincipal_Gets401_AndTheRefusalIsArchived()
    {
        var result = await Functions().ListDaysAsync(Request(principalHeader: null), _ct);

        Assert.Equal(401, Assert.IsType<ObjectResult>(result).StatusCode);
        var record = Assert.Single(await AccessRecordsAsync());
        Assert.Equal("Unauthenticated", record.GetProperty("outcome").GetString());
        Assert.Equal(401, record.GetProperty("status").GetInt32());
        Assert.Equal("ListDays", record.GetProperty("action").GetString());
        Assert.Equal("2026-11-25T08:30:15.0000000Z", record.GetProperty("at").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("principal").ValueKind);
    }

    [Fact]
    public async Task ACallerWithoutTheAuditorRole_Gets403_AndTheRefusalIsArchivedWithWhoTried()
    {
        await ArchiveAndSealADayAsync();

        var result = await Functions().DownloadBundleAsync(Request(Principals.Header("carl@example.com", "Reader")), "2026-11-24", _ct);

        Assert.Equal(403, Assert.IsType<ObjectResult>(result).StatusCode);
        var record = Assert.Single(await AccessRecordsAsync());
        Assert.Equal("Forbidden", record.GetProperty("outcome").GetString());
        Assert.Equal("DownloadBundle", record.GetProperty("action").GetString());
        Assert.Equal("2026-11-24", record.GetProperty("resource").GetString());
        Assert.Equal("carl@example.com", record.GetProperty("principal").GetProperty("name").GetString());
        Assert.Equal("0b4f1c2e-1111-2222-3333-444455556666", record.GetProperty("principal").GetProperty("objectId").GetString());
    }

    [Fact]
    public async Task AnAuditor_ListsTheArchivedDays_AndTheGrantIsArchivedUnderTheDayOfAccess()
    {
        await ArchiveAndSealADayAsync();

        var result = await Functions().ListDaysAsync(Request(Auditor), _ct);

        // Today is listed too: the access record of this very request is archived before the answer.
        Assert.Equal(["2026-11-24", "2026-11-25"], Assert.IsAssignableFrom<IEnumerable<string>>(Assert.IsType<OkObjectResult>(result).Value));
        var record = Assert.Single(await AccessRecordsAsync());
        Assert.Equal("Granted", record.GetProperty("outcome").GetString());
        Assert.Equal("ana@example.com", record.GetProperty("principal").GetProperty("name").GetString());
    }

    [Fact]
    public async Task AnAuditor_ListsADaysRecords_WithSizeAndSha256()
    {
        await ArchiveAndSealADayAsync();

        var result = await Functions().ListRecordsAsync(Request(Auditor), "2026-11-24", _ct);

        var listing = await Assert.IsAssignableFrom<IAsyncEnumerable<RecordListing>>(Assert.IsType<OkObjectResult>(result).Value).ToListAsync(_ct);
        Assert.Equal(["inbound/oms/T-1/v1.json", "state/trades/T-1/v1.json"], listing.Select(r => r.Name));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("""{"tradeId":"T-1"}"""u8)), listing[0].Sha256);
        Assert.Equal(17, listing[0].Size);
    }

    [Fact]
    public async Task ADayThatIsNotADate_IsABadRequest_AfterTheAttemptIsArchived()
    {
        var result = await Functions().ListRecordsAsync(Request(Auditor), "24-11-2026", _ct);

        Assert.IsType<BadRequestObjectResult>(result);
        Assert.Equal("24-11-2026", Assert.Single(await AccessRecordsAsync()).GetProperty("resource").GetString());
    }

    [Fact]
    public async Task AnAuditor_DownloadsASealedDay_AsAStreamedZipThatVerifiesOffline()
    {
        await ArchiveAndSealADayAsync();
        var request = Request(Auditor);

        var result = await Functions().DownloadBundleAsync(request, "2026-11-24", _ct);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));

        var response = request.HttpContext.Response;
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/zip", response.ContentType);
        Assert.Equal("attachment; filename=\"archive-2026-11-24.zip\"", response.Headers.ContentDisposition.ToString());
        var verification = ArchiveVerifier.Verify(ZipArchiveBundle.Open(((MemoryStream)response.Body).ToArray()), [_key.ExportPublicKeyPem()]);
        Assert.True(verification.IsIntact, string.Join("; ", verification.Findings));
        Assert.Equal(2, verification.Manifest!.Records.Count);
    }

    [Fact]
    public async Task TheBundle_StreamsIntoABodyThatCannotSeekAndRefusesSynchronousWrites_AsKestrelsDoes()
    {
        await ArchiveAndSealADayAsync();
        var request = Request(Auditor);
        var body = new ResponseBodyStream();
        request.HttpContext.Response.Body = body;

        var result = await Functions().DownloadBundleAsync(request, "2026-11-24", _ct);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));

        Assert.True(ArchiveVerifier.Verify(ZipArchiveBundle.Open(body.Written), [_key.ExportPublicKeyPem()]).IsIntact);
    }

    [Fact]
    public async Task TheBundleOfADayNotYetSealed_IsNotFound()
    {
        await _store.WriteAsync(new ArchiveRecord(ArchivedDay, "a.json", "{}"u8.ToArray(), "application/json"), _ct);

        var result = await Functions().DownloadBundleAsync(Request(Auditor), "2026-11-24", _ct);

        Assert.IsType<NotFoundObjectResult>(result);
    }

    [Fact]
    public async Task AnAuditor_GetsAReadLinkToARecordsBlob()
    {
        var link = new ArchiveReadLink(new Uri("https://starchive.blob.core.windows.net/archive/2026-11-24/records/a.json?sig=x"), _time.GetUtcNow().AddMinutes(15));
        _links.Setup(l => l.CreateAsync("2026-11-24/records/inbound/a.json", _ct)).ReturnsAsync(link);

        var result = await Functions().LinkRecordAsync(Request(Auditor, "?name=inbound/a.json"), "2026-11-24", _ct);

        var body = JsonSerializer.Serialize(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Contains(link.Uri.AbsoluteUri, body, StringComparison.Ordinal);
        Assert.Equal("2026-11-24/inbound/a.json", Assert.Single(await AccessRecordsAsync()).GetProperty("resource").GetString());
    }

    [Fact]
    public async Task ARecordLinkForANameThatEscapesTheDay_IsABadRequest_AndNoLinkIsIssued()
    {
        var result = await Functions().LinkRecordAsync(Request(Auditor, "?name=../2026-11-23/records/a.json"), "2026-11-24", _ct);

        Assert.IsType<BadRequestObjectResult>(result);
        _links.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task AnAuditor_GetsAReadLinkToASealedDaysPublishedBundle()
    {
        await ArchiveAndSealADayAsync();
        _publisher.Setup(p => p.PublishAsync(ArchivedDay, _ct)).ReturnsAsync("2026-11-24/bundle/2026-11-24.zip");
        _links.Setup(l => l.CreateAsync("2026-11-24/bundle/2026-11-24.zip", _ct))
            .ReturnsAsync(new ArchiveReadLink(new Uri("https://starchive.blob.core.windows.net/archive/2026-11-24/bundle/2026-11-24.zip?sig=x"), _time.GetUtcNow().AddMinutes(15)));

        var result = await Functions().LinkBundleAsync(Request(Auditor), "2026-11-24", _ct);

        Assert.IsType<OkObjectResult>(result);
        _publisher.Verify(p => p.PublishAsync(ArchivedDay, _ct), Times.Once());
    }

    [Fact]
    public async Task ARefusedCaller_GetsNoLink_AndNothingIsPublished()
    {
        await ArchiveAndSealADayAsync();

        var result = await Functions().LinkBundleAsync(Request(Principals.Header("carl@example.com")), "2026-11-24", _ct);

        Assert.Equal(403, Assert.IsType<ObjectResult>(result).StatusCode);
        _links.VerifyNoOtherCalls();
        _publisher.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task AnAccessThatCannotBeArchived_IsNotServed()
    {
        var store = new Mock<IArchiveStore>(MockBehavior.Strict);
        store.Setup(s => s.WriteAsync(It.IsAny<ArchiveRecord>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("archive unreachable"));

        await Assert.ThrowsAsync<IOException>(() => Functions(store.Object).ListDaysAsync(Request(Auditor), _ct));

        store.Verify(s => s.DaysAsync(It.IsAny<CancellationToken>()), Times.Never());
    }

    /// <summary>Like an HTTP response body: forward only, and (AllowSynchronousIO off) no synchronous writes or flushes.</summary>
    private sealed class ResponseBodyStream : Stream
    {
        private readonly MemoryStream _written = new();

        public byte[] Written => _written.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written.Length; set => throw new NotSupportedException(); }

        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

}
