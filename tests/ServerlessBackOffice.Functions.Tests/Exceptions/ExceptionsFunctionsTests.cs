using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Functions.Exceptions;
using ServerlessBackOffice.Functions.Tests.Auditing;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Functions.Tests.Exceptions;

/// <summary>The exceptions API: Operations list and propose, Supervisors approve, nobody approves their own repair.</summary>
public sealed class ExceptionsFunctionsTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 14, 0, 0, TimeSpan.Zero));
    private readonly InMemoryDeadLetterQueues _queues = new([Entities.OmsTrades.Name]);
    private readonly InMemoryMessagePublisher _bus = new();
    private readonly ExceptionsFunctions _functions;
    private readonly DeadLetteredMessage _dead;

    public ExceptionsFunctionsTests()
    {
        var repairs = new InMemoryRepairStore();
        var archive = new InMemoryArchiveStore();
        var service = new RepairService(repairs, archive, [new ResubmitMessageExecutor(_queues, _bus, archive, _time)], _time, NullLogger<RepairService>.Instance);
        _functions = new ExceptionsFunctions(new ExceptionsQuery([new DeadLetterSource(_queues)], repairs), service, _time, NullLogger<ExceptionsFunctions>.Instance);
        _dead = _queues.Add(new DeadLetteredMessage(Entities.OmsTrades.Name, 0, "MSG-1", "C-1", "new", "MaxDeliveryCountExceeded", "10 deliveries", _time.GetUtcNow(), 10, new Dictionary<string, string>(), Encoding.UTF8.GetBytes("{}")));
    }

    private static HttpRequest Request(string? principal, string? body = null, string? query = null)
    {
        var context = new DefaultHttpContext();
        if (principal is not null)
        {
            context.Request.Headers[ClientPrincipal.HeaderName] = principal;
        }

        context.Request.QueryString = new QueryString(query ?? string.Empty);
        var bytes = Encoding.UTF8.GetBytes(body ?? string.Empty);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        return context.Request;
    }

    private static string Operations(string name) => Principals.Header(name, "Operations");

    private static string Supervisor(string name) => Principals.Header(name, "Supervisor", "Operations");

    private static int Status(IActionResult result) => ((ObjectResult)result).StatusCode ?? 200;

    [Fact]
    public async Task List_WithoutAPrincipal_Is401_AndWithoutTheRole_Is403()
    {
        Assert.Equal(401, Status(await _functions.ListAsync(Request(null), _ct)));
        Assert.Equal(403, Status(await _functions.ListAsync(Request(Principals.Header("ana@example.com", "Auditor")), _ct)));
    }

    [Fact]
    public async Task List_ForOperations_ReturnsTheDeadLetteredMessage_FilteredByType()
    {
        var all = (ObjectResult)await _functions.ListAsync(Request(Operations("alice@example.com")), _ct);
        var none = (ObjectResult)await _functions.ListAsync(Request(Operations("alice@example.com"), query: "?type=SettlementFail"), _ct);
        var bad = await _functions.ListAsync(Request(Operations("alice@example.com"), query: "?type=Nonsense"), _ct);

        var item = Assert.Single((IEnumerable<ExceptionListing>)all.Value!);
        Assert.Equal(_dead.CaseId, item.CaseId);
        Assert.Empty((IEnumerable<ExceptionListing>)none.Value!);
        Assert.Equal(400, Status(bad));
    }

    [Fact]
    public async Task Propose_NeedsOperations_AndApprove_NeedsASupervisorWhoIsNotTheMaker()
    {
        var body = $$"""{"kind":"ResubmitMessage","caseId":"{{_dead.CaseId}}","after":"","reason":"consumer fixed"}""";
        Assert.Equal(403, Status(await _functions.ProposeAsync(Request(Principals.Header("sam@example.com", "Supervisor"), body), _ct)));

        var proposed = (ObjectResult)await _functions.ProposeAsync(Request(Supervisor("alice@example.com"), body), _ct);
        Assert.Equal(201, proposed.StatusCode);
        var repairId = ((Repair)proposed.Value!.GetType().GetProperty("repair")!.GetValue(proposed.Value)!).RepairId;

        Assert.Equal(403, Status(await _functions.ApproveAsync(Request(Operations("bob@example.com")), repairId, _ct)));
        Assert.Equal(403, Status(await _functions.ApproveAsync(Request(Supervisor("alice@example.com")), repairId, _ct)));
        Assert.Empty(_bus.Published);

        Assert.Equal(200, Status(await _functions.ApproveAsync(Request(Supervisor("bob@example.com"), """{"comment":"ok"}"""), repairId, _ct)));
        Assert.Equal(200, Status(await _functions.ApproveAsync(Request(Supervisor("carol@example.com")), repairId, _ct)));
        Assert.Single(_bus.Published);
        Assert.Equal(409, Status(await _functions.RejectAsync(Request(Supervisor("carol@example.com")), repairId, _ct)));
        Assert.Equal(404, Status(await _functions.ApproveAsync(Request(Supervisor("bob@example.com")), "R-NONE", _ct)));
    }
}
