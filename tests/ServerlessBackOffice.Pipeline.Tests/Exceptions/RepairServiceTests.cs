using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.Exceptions;

/// <summary>Maker-checker: a maker cannot approve their own repair; an approval executes exactly once; every step is archived.</summary>
public sealed class RepairServiceTests
{
    private const string CaseId = "break:BRK:ACC-1:Securities:US0378331005";

    private readonly FakeTimeProvider _clock = new(SampleData.Now);
    private readonly InMemoryRepairStore _store = new();
    private readonly InMemoryArchiveStore _archive = new();
    private readonly Mock<IRepairExecutor> _executor = new(MockBehavior.Strict);

    public RepairServiceTests()
    {
        _executor.Setup(e => e.Kind).Returns(RepairKind.ExplainBreak);
        _executor.Setup(e => e.CheckAsync(CaseId, "custodian books a day late", It.IsAny<CancellationToken>())).ReturnsAsync(new RepairCheck("{\"open\":true}", null));
        _executor.Setup(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>())).ReturnsAsync("break marked explained");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static RepairService Service(IRepairStore store, IArchiveStore archive, TimeProvider clock, params IRepairExecutor[] executors) =>
        new(store, archive, executors, clock, NullLogger<RepairService>.Instance);

    private RepairService Service() => Service(_store, _archive, _clock, _executor.Object);

    private async Task<Repair> ProposeAsync(string maker = "alice")
    {
        var result = await Service().ProposeAsync(RepairKind.ExplainBreak, CaseId, "custodian books a day late", "timing known to the custodian", maker, Ct);
        Assert.Equal(RepairOutcome.Proposed, result.Outcome);
        return result.Repair!;
    }

    [Fact]
    public async Task Propose_StoresTheBeforeAndAfterAndArchivesTheProposal()
    {
        var repair = await ProposeAsync();

        Assert.Equal(RepairState.Proposed, repair.State);
        Assert.Equal(("{\"open\":true}", "custodian books a day late"), (repair.Before, repair.After));
        Assert.Equal("alice", repair.Maker);
        var archived = await ReadArchivedAsync(repair.RepairId, "proposed");
        Assert.Equal("Proposed", archived.RootElement.GetProperty("state").GetString());
        Assert.Equal("{\"open\":true}", archived.RootElement.GetProperty("before").GetString());
        _executor.Verify(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Propose_TheSameRepairTwice_GivesOneRepair()
    {
        var first = await ProposeAsync();
        var second = await ProposeAsync();

        Assert.Equal(first.RepairId, second.RepairId);
        Assert.Single(await _store.ListAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Propose_WhenTheExecutorRefuses_StoresNothing()
    {
        _executor.Setup(e => e.CheckAsync(CaseId, "nothing", It.IsAny<CancellationToken>())).ReturnsAsync(RepairCheck.Refused("Break is not open."));

        var result = await Service().ProposeAsync(RepairKind.ExplainBreak, CaseId, "nothing", "why", "alice", Ct);

        Assert.Equal((RepairOutcome.Invalid, "Break is not open."), (result.Outcome, result.Description));
        Assert.Empty(await _store.ListAsync(Ct).ToListAsync(Ct));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    public async Task Approve_ByTheMaker_IsRefusedAndExecutesNothing(string checker)
    {
        var repair = await ProposeAsync();

        var result = await Service().ApproveAsync(repair.RepairId, checker, null, Ct);

        Assert.Equal(RepairOutcome.SameAsMaker, result.Outcome);
        Assert.Equal(RepairState.Proposed, (await _store.GetAsync(repair.RepairId, Ct))!.Repair.State);
        _executor.Verify(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Reject_ByTheMaker_IsRefused()
    {
        var repair = await ProposeAsync();

        var result = await Service().RejectAsync(repair.RepairId, "alice", "changed my mind", Ct);

        Assert.Equal(RepairOutcome.SameAsMaker, result.Outcome);
    }

    [Fact]
    public async Task Approve_ByAnotherPerson_ExecutesOnceAndArchivesApprovalAndExecution()
    {
        var repair = await ProposeAsync();

        var result = await Service().ApproveAsync(repair.RepairId, "bob", "agreed with the custodian", Ct);

        Assert.Equal(RepairOutcome.Executed, result.Outcome);
        Assert.Equal(RepairState.Executed, result.Repair!.State);
        Assert.Equal("bob", result.Repair.Checker);
        Assert.Equal(["proposed", "approved", "executed"], result.Repair.History.Select(h => h.Action));
        Assert.Equal("break marked explained", result.Repair.History[^1].Comment);
        _executor.Verify(e => e.ExecuteAsync(It.Is<Repair>(r => r.RepairId == repair.RepairId && r.Checker == "bob"), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal("Approved", (await ReadArchivedAsync(repair.RepairId, "approved")).RootElement.GetProperty("state").GetString());
        var executed = await ReadArchivedAsync(repair.RepairId, "executed");
        Assert.Equal("Executed", executed.RootElement.GetProperty("state").GetString());
        Assert.Equal("custodian books a day late", executed.RootElement.GetProperty("after").GetString());
    }

    [Fact]
    public async Task Approve_Twice_ExecutesOnce()
    {
        var repair = await ProposeAsync();

        var first = await Service().ApproveAsync(repair.RepairId, "bob", null, Ct);
        var second = await Service().ApproveAsync(repair.RepairId, "carol", null, Ct);

        Assert.Equal(RepairOutcome.Executed, first.Outcome);
        Assert.Equal(RepairOutcome.AlreadyExecuted, second.Outcome);
        _executor.Verify(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Approve_ConcurrentlyByTwoCheckers_ExecutesOnce()
    {
        var repair = await ProposeAsync();
        var store = new Mock<IRepairStore>(MockBehavior.Strict);
        // Both checkers read the proposal before either writes: only the first conditional write may win.
        var stored = (await _store.GetAsync(repair.RepairId, Ct))!;
        store.Setup(s => s.GetAsync(repair.RepairId, It.IsAny<CancellationToken>())).ReturnsAsync(stored);
        store.Setup(s => s.TryWriteAsync(It.IsAny<Repair>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((Repair r, string? etag, CancellationToken ct) => _store.TryWriteAsync(r, etag, ct));
        var service = Service(store.Object, _archive, _clock, _executor.Object);

        var results = await Task.WhenAll(service.ApproveAsync(repair.RepairId, "bob", null, Ct), service.ApproveAsync(repair.RepairId, "carol", null, Ct));

        Assert.Equal(1, results.Count(r => r.Outcome == RepairOutcome.Executed));
        Assert.Equal(1, results.Count(r => r.Outcome == RepairOutcome.WrongState));
        _executor.Verify(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Approve_AfterAnInterruptedExecution_ExecutesAgainAndRecordsIt()
    {
        var repair = await ProposeAsync();
        var stored = (await _store.GetAsync(repair.RepairId, Ct))!;
        var (approved, _) = MakerChecker.Approve(stored.Repair, "bob", _clock.GetUtcNow());
        Assert.True((await _store.TryWriteAsync(approved, stored.ETag, Ct)).Written);

        var result = await Service().ApproveAsync(repair.RepairId, "bob", null, Ct);

        Assert.Equal(RepairOutcome.Executed, result.Outcome);
        _executor.Verify(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Rejected_CannotBeApprovedAfterwards()
    {
        var repair = await ProposeAsync();

        var rejected = await Service().RejectAsync(repair.RepairId, "bob", "explain it properly", Ct);
        var approved = await Service().ApproveAsync(repair.RepairId, "carol", null, Ct);

        Assert.Equal(RepairOutcome.Rejected, rejected.Outcome);
        Assert.Equal(RepairOutcome.WrongState, approved.Outcome);
        Assert.Equal("Rejected", (await ReadArchivedAsync(repair.RepairId, "rejected")).RootElement.GetProperty("state").GetString());
        _executor.Verify(e => e.ExecuteAsync(It.IsAny<Repair>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Approve_UnknownRepair_IsNotFound()
    {
        Assert.Equal(RepairOutcome.NotFound, (await Service().ApproveAsync("R-NOPE", "bob", null, Ct)).Outcome);
    }

    private async Task<JsonDocument> ReadArchivedAsync(string repairId, string step)
    {
        await using var stream = await _archive.OpenAsync(ArchiveRecordNames.DayOf(_clock.GetUtcNow()), RepairService.RecordName(repairId, step), Ct);
        Assert.NotNull(stream);
        return await JsonDocument.ParseAsync(stream, cancellationToken: Ct);
    }
}
