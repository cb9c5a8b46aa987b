using System.Text.Json;
using ServerlessBackOffice.Pipeline.Settlement;
using static ServerlessBackOffice.Pipeline.Tests.Settlement.SettlementStageHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Settlement;

/// <summary>What goes to custodians is valid settlement-instruction-v1; what the simulated custodians send is valid custodian-status-v1.</summary>
public sealed class SettlementContractTests
{
    // Loaded once: the schema registry refuses to register the same $id twice.
    private static readonly Lazy<Json.Schema.JsonSchema> StatusSchema = new(() => Json.Schema.JsonSchema.FromFile(RepositoryRoot.Combine("docs", "contracts", "custodian-status-v1.schema.json")));

    [Fact]
    public async Task InstructionsAndCancellations_AreValidSettlementInstructionV1()
    {
        var schema = Json.Schema.JsonSchema.FromFile(RepositoryRoot.Combine("docs", "contracts", "settlement-instruction-v1.schema.json"));
        var h = new SettlementStageHarness();
        var trade = await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");
        await h.DeliverTradeEventAsync(trade with { EventId = "T-1:2:TradeCancelled", EventType = "TradeCancelled", Version = 2, Status = "Cancelled" });

        Assert.Equal(2, h.ToCustodian.Count);
        foreach (var message in h.ToCustodian)
        {
            using var body = JsonDocument.Parse(message.Body);
            Assert.True(schema.Evaluate(body.RootElement).IsValid, message.Body);
        }
    }

    [Theory]
    [InlineData("Matched", null, null, null)]
    [InlineData("PartiallySettled", "50", "11510.75", null)]
    [InlineData("Settled", "100", "23021.51", null)]
    [InlineData("Failed", null, null, "LACK")]
    public void StatusesTheHandlerReads_AreValidCustodianStatusV1(string status, string? quantity, string? cash, string? reason)
    {
        var schema = StatusSchema.Value;
        var json = StatusJson("SI0123456789ABCDEF0123456789AB", "S-1", status, 0, quantity, cash, reason);

        using var body = JsonDocument.Parse(json);
        Assert.True(schema.Evaluate(body.RootElement).IsValid, json);
        Assert.NotNull(CustodianStatusHandler.Parse(System.Text.Encoding.UTF8.GetBytes(json)).Report);
    }
}
