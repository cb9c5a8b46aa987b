using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.EndOfDay;

/// <summary>The timer's view of the day: each book closes once at its own close, and the day is sealed once, after the last.</summary>
public sealed class EndOfDaySchedulerTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();
    private readonly InMemoryArchiveStore _archive = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly EndOfDayScheduler _scheduler;

    public EndOfDaySchedulerTests()
    {
        var referenceData = new Mock<IReferenceDataSource>(MockBehavior.Strict);
        referenceData.Setup(r => r.GetCurrentAsync(It.IsAny<CancellationToken>())).ReturnsAsync(SampleData.ReferenceData);
        var options = new EndOfDayOptions();
        var handler = new EndOfDayHandler(_archive, new ArchiveDaySealer(_archive, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance), [],
            referenceData.Object, options, NullLogger<EndOfDayHandler>.Instance);
        _scheduler = new EndOfDayScheduler(handler, referenceData.Object, _archive, options, _clock);
    }

    public void Dispose() => _key.Dispose();

    private async Task<string> RunAtAsync(int hourUtc, int minuteUtc)
    {
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 24, hourUtc, minuteUtc, 0, TimeSpan.Zero));
        var results = await _scheduler.RunDueAsync(TestContext.Current.CancellationToken);
        return string.Join(' ', results.SelectMany(r => r.Books.Select(b => $"{b.BusinessDate:MM-dd}:{b.Book}").Append(r.Sealed ? "sealed" : string.Empty)).Where(s => s.Length > 0));
    }

    [Fact]
    public async Task RunDue_ThroughTheDay_ClosesEachBookOnceAtItsCloseAndSealsAfterTheLast()
    {
        // Monday 23rd's closes are caught up first (the look-back, in book order); then Tuesday's, Paris 16:30Z, London 17:30Z, New York 22:30Z.
        Assert.Equal("11-23:LDN-CASH 11-23:NY-CASH 11-23:PAR-CASH sealed", await RunAtAsync(12, 0));
        Assert.Equal(string.Empty, await RunAtAsync(16, 29));
        Assert.Equal("11-24:PAR-CASH", await RunAtAsync(16, 30));
        Assert.Equal(string.Empty, await RunAtAsync(16, 35));
        Assert.Equal("11-24:LDN-CASH", await RunAtAsync(17, 30));
        Assert.Null(await _archive.ReadSealAsync(Day, TestContext.Current.CancellationToken));
        Assert.Equal("11-24:NY-CASH sealed", await RunAtAsync(22, 30));
        Assert.NotNull(await _archive.ReadSealAsync(Day, TestContext.Current.CancellationToken));
        Assert.Equal(string.Empty, await RunAtAsync(22, 35));
    }

    [Fact]
    public async Task RunForDate_ClosesOnlyTheBooksWhoseClosePassedAndNamesTheOthers()
    {
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 24, 17, 0, 0, TimeSpan.Zero));

        var outcome = await _scheduler.RunForDateAsync(Day, TestContext.Current.CancellationToken);

        Assert.Equal(["PAR-CASH"], outcome.Result.Books.Select(b => b.Book));
        Assert.Equal(["LDN-CASH", "NY-CASH"], outcome.NotYetClosed);
        Assert.False(outcome.Result.Sealed);
    }
}
