using System.Text.Json;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Confirmation;
using Xunit;

namespace ServerlessBackOffice.Pipeline.Contracts;

/// <summary>
/// What every confirmation store must do, whatever its technology: the in-memory store runs these in Pipeline.Tests, the
/// Cosmos store the same class against the Cosmos stand-in in IntegrationTests.
/// </summary>
public abstract class ConfirmationStoreContract
{
    protected abstract Task<IConfirmationStore> CreateStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_OfAnUnknownTrade_IsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetAsync("T-unknown", Ct));
    }

    [Fact]
    public async Task Write_WithoutAToken_CreatesOnlyOnce()
    {
        var store = await CreateStoreAsync();
        var document = ConfirmationSamples.Confirmed("T-create");

        var first = await store.TryWriteAsync(document, null, Ct);
        var second = await store.TryWriteAsync(document, null, Ct);

        Assert.True(first.Written);
        Assert.NotNull(first.ETag);
        Assert.False(second.Written);
    }

    [Fact]
    public async Task Write_WithAStaleToken_IsRefusedAndChangesNothing()
    {
        var store = await CreateStoreAsync();
        var document = ConfirmationSamples.Confirmed("T-stale");
        var created = await store.TryWriteAsync(document, null, Ct);
        var replaced = await store.TryWriteAsync(document with { Status = ConfirmationStatus.Affirmed }, created.ETag, Ct);

        var refused = await store.TryWriteAsync(document with { Status = ConfirmationStatus.Cancelled }, created.ETag, Ct);

        Assert.True(replaced.Written);
        Assert.NotEqual(created.ETag, replaced.ETag);
        Assert.False(refused.Written);
        var stored = await store.GetAsync("T-stale", Ct);
        Assert.Equal(ConfirmationStatus.Affirmed, stored!.Status);
        Assert.Equal(replaced.ETag, stored.ETag);
    }

    [Fact]
    public async Task HeldOnlyBefore_FindsOnlyDocumentsThatHoldNothingButAffirmations_HeldBeforeTheInstant()
    {
        var store = await CreateStoreAsync();
        var at = ConfirmationSamples.Now;
        await store.TryWriteAsync(HeldOnly("T-held-old", at), null, Ct);
        await store.TryWriteAsync(HeldOnly("T-held-new", at.AddHours(1)), null, Ct);
        await store.TryWriteAsync(HeldOnly("T-held-known", at) with { LatestVersion = 1 }, null, Ct);
        await store.TryWriteAsync(ConfirmationSamples.Confirmed("T-held-confirmed"), null, Ct);

        var found = new List<string>();
        await foreach (var document in store.HeldOnlyBeforeAsync(at.AddSeconds(1), Ct))
        {
            found.Add(document.TradeId);
        }

        Assert.Equal(["T-held-old"], found.Where(id => id.StartsWith("T-held-", StringComparison.Ordinal)));
        Assert.Equal(at, (await store.GetAsync("T-held-old", Ct))!.Held[0].HeldAt);
    }

    [Fact]
    public async Task Delete_WithAStaleToken_IsRefused_WithTheCurrentOne_RemovesTheDocument()
    {
        var store = await CreateStoreAsync();
        var created = await store.TryWriteAsync(HeldOnly("T-delete", ConfirmationSamples.Now), null, Ct);
        var replaced = await store.TryWriteAsync(HeldOnly("T-delete", ConfirmationSamples.Now.AddMinutes(1)), created.ETag, Ct);

        Assert.False(await store.TryDeleteAsync("T-delete", created.ETag!, Ct));
        Assert.NotNull(await store.GetAsync("T-delete", Ct));
        Assert.True(await store.TryDeleteAsync("T-delete", replaced.ETag!, Ct));
        Assert.Null(await store.GetAsync("T-delete", Ct));
        Assert.False(await store.TryDeleteAsync("T-delete", replaced.ETag!, Ct));
    }

    private static ConfirmationDocument HeldOnly(string tradeId, DateTimeOffset heldAt) =>
        ConfirmationDocument.Empty(tradeId) with
        {
            Held = [new HeldAffirmation("MSG-" + tradeId, ConfirmationSamples.AffirmationOf(ConfirmationSamples.TradeEvent(tradeId)), heldAt)],
        };

    [Fact]
    public async Task Document_RoundTripsEveryField()
    {
        // Amounts travel as strings and instants keep their ticks: what is read is exactly what was written.
        var store = await CreateStoreAsync();
        var affirmation = ConfirmationSamples.AffirmationOf(ConfirmationSamples.TradeEvent("T-round", version: 3), "AFF-held") with { Price = "230.1000000001", Comment = "<b>held</b>" };
        var step = ConfirmationRules.ApplyAffirmation(
            ConfirmationSamples.Confirmed("T-round", ConfirmationSamples.Now.AddTicks(1234567)), affirmation, "M-7", MatchingTolerance.Exact, ConfirmationSamples.Now);
        var document = step.Next with { CutoffReportedVersion = 1, Notes = [.. step.Next.Notes, "v1: ünïcode & <markup>"] };

        await store.TryWriteAsync(document, null, Ct);
        var stored = await store.GetAsync("T-round", Ct);

        Assert.NotNull(stored);
        Assert.Equal(Serialize(document with { ETag = null }), Serialize(stored! with { ETag = null }));
        Assert.Equal(document.CutoffAt, stored.CutoffAt);
        Assert.Equal("230.1000000001", Assert.Single(stored.Held).Affirmation.Price);
        Assert.Equal(ConfirmationSamples.CounterpartyLei, stored.Outbox[0].ApplicationProperties[ConfirmationRules.CounterpartyLeiProperty]);
    }

    [Fact]
    public async Task DueForCutoff_ReturnsOnlyUnaffirmedUnreportedTradesPastTheirCutoff()
    {
        var store = await CreateStoreAsync();
        var prefix = Guid.NewGuid().ToString("N")[..8];
        async Task Put(string id, Func<ConfirmationDocument, ConfirmationDocument> change) =>
            Assert.True((await store.TryWriteAsync(change(ConfirmationSamples.Confirmed($"{prefix}-{id}")), null, Ct)).Written);

        await Put("due", d => d);
        await Put("disputed", d => d with { Status = ConfirmationStatus.Mismatched });
        await Put("affirmed", d => d with { Status = ConfirmationStatus.Affirmed });
        await Put("cancelled", d => d with { Status = ConfirmationStatus.Cancelled });
        await Put("reported", d => d with { CutoffReportedVersion = 1 });
        await Put("later", d => d with { CutoffAt = ConfirmationSamples.UsCutoff.AddHours(1) });

        var due = new List<string>();
        await foreach (var document in store.DueForCutoffAsync(ConfirmationSamples.UsCutoff, Ct))
        {
            due.Add(document.TradeId);
        }

        Assert.Equal([$"{prefix}-disputed", $"{prefix}-due"], due.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ConcurrentWriters_OnlyOneWinsPerToken()
    {
        var store = await CreateStoreAsync();
        var created = await store.TryWriteAsync(ConfirmationSamples.Confirmed("T-race"), null, Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            store.TryWriteAsync(ConfirmationSamples.Confirmed("T-race") with { LatestVersion = i + 2 }, created.ETag, Ct)));

        Assert.Equal(1, results.Count(r => r.Written));
    }

    private static string Serialize(ConfirmationDocument document) => JsonSerializer.Serialize(document, SerializerOptions);

    private static readonly JsonSerializerOptions SerializerOptions = new() { WriteIndented = false };
}
