using System.Collections.Concurrent;
using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Azure.Cosmos.Linq;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>
/// The Cosmos DB behaviour the pipeline relies on, written against the SDK only: the same tests pass against the
/// local stand-in, Microsoft's emulator and a real account (COSMOS_CONNECTION_STRING).
/// </summary>
public sealed class CosmosConformanceTests : IClassFixture<CosmosClassFixture>
{
    private readonly CosmosClassFixture cosmos;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    public CosmosConformanceTests(CosmosClassFixture cosmos)
    {
        this.cosmos = cosmos;
        TestContext.Current.SendDiagnosticMessage($"Cosmos tests run against {cosmos.Target}.");
    }

    private Container Items => cosmos.Items;

    private static string NewPartition() => $"p-{Guid.NewGuid():N}";

    [Fact]
    public async Task Crud_CreateReadReplaceUpsertDelete_RoundTripsTheItem()
    {
        var pk = NewPartition();
        var item = new TestItem("a", pk, "first", 1, "10.50");

        var created = await Items.CreateItemAsync(item, new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False(string.IsNullOrEmpty(created.ETag));

        var read = await Items.ReadItemAsync<TestItem>("a", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(item, read.Resource);

        var replaced = await Items.ReplaceItemAsync(item with { Name = "second" }, "a", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal("second", replaced.Resource.Name);
        Assert.NotEqual(created.ETag, replaced.ETag);

        var upserted = await Items.UpsertItemAsync(item with { Id = "b" }, new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Created, upserted.StatusCode);
        var upsertedAgain = await Items.UpsertItemAsync(item with { Id = "b", Quantity = 2 }, new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.OK, upsertedAgain.StatusCode);

        var deleted = await Items.DeleteItemAsync<TestItem>("a", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var gone = await Assert.ThrowsAsync<CosmosException>(() => Items.ReadItemAsync<TestItem>("a", new PartitionKey(pk), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ReadItem_WhenIdIsMissing_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<CosmosException>(
            () => Items.ReadItemAsync<TestItem>("missing", new PartitionKey(NewPartition()), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);

        using var stream = await Items.ReadItemStreamAsync("missing", new PartitionKey(NewPartition()), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
    }

    [Fact]
    public async Task CreateItem_WhenIdExistsInThePartition_ThrowsConflict()
    {
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("dup", pk, "x", 1), new PartitionKey(pk), cancellationToken: ct);

        var ex = await Assert.ThrowsAsync<CosmosException>(
            () => Items.CreateItemAsync(new TestItem("dup", pk, "y", 2), new PartitionKey(pk), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
    }

    [Fact]
    public async Task ReplaceItem_WhenIfMatchEtagIsStale_ThrowsPreconditionFailed()
    {
        var pk = NewPartition();
        var first = await Items.CreateItemAsync(new TestItem("e", pk, "v1", 1), new PartitionKey(pk), cancellationToken: ct);
        await Items.ReplaceItemAsync(new TestItem("e", pk, "v2", 2), "e", new PartitionKey(pk),
            new ItemRequestOptions { IfMatchEtag = first.ETag }, ct);

        var ex = await Assert.ThrowsAsync<CosmosException>(() => Items.ReplaceItemAsync(
            new TestItem("e", pk, "v3", 3), "e", new PartitionKey(pk), new ItemRequestOptions { IfMatchEtag = first.ETag }, ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, ex.StatusCode);
        var current = await Items.ReadItemAsync<TestItem>("e", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal("v2", current.Resource.Name);
    }

    [Fact]
    public async Task PatchItem_WithSetAndIncrement_ChangesOnlyThoseFields()
    {
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("p", pk, "before", 5, "1.00"), new PartitionKey(pk), cancellationToken: ct);

        var patched = await Items.PatchItemAsync<TestItem>("p", new PartitionKey(pk),
            [PatchOperation.Set("/name", "after"), PatchOperation.Increment("/quantity", 3)], cancellationToken: ct);

        Assert.Equal(new TestItem("p", pk, "after", 8, "1.00"), patched.Resource);
    }

    [Fact]
    public async Task Query_WithPartitionKeyOption_ReturnsOnlyThatPartition()
    {
        var (pkA, pkB) = (NewPartition(), NewPartition());
        await SeedAsync(pkA, 3);
        await SeedAsync(pkB, 2);

        var results = await DrainAsync(Items.GetItemQueryIterator<TestItem>(
            "SELECT * FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(pkA) }));

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(pkA, r.Pk));
    }

    [Fact]
    public async Task Query_WithPartitionKeyOption_SeesEveryWriteReplaceDeleteAndRolledBackBatchOfThatPartition()
    {
        // The stand-in answers a single-partition query from its own index of each partition: every kind of write must
        // keep that index exact, including a replace, a delete, an upsert and a batch that rolls back.
        var (pk, other, empty) = (NewPartition(), NewPartition(), NewPartition());
        await SeedAsync(pk, 3);
        await SeedAsync(other, 1);
        await Items.ReplaceItemAsync(new TestItem($"{pk}-1", pk, "replaced", 10), $"{pk}-1", new PartitionKey(pk), cancellationToken: ct);
        await Items.DeleteItemAsync<TestItem>($"{pk}-2", new PartitionKey(pk), cancellationToken: ct);
        await Items.UpsertItemAsync(new TestItem("upserted", pk, "new", 11), new PartitionKey(pk), cancellationToken: ct);
        using (var failed = await Items.CreateTransactionalBatch(new PartitionKey(pk))
                   .CreateItem(new TestItem("rolled-back", pk, "never", 12))
                   .DeleteItem($"{pk}-3")
                   .CreateItem(new TestItem("upserted", pk, "conflict", 13))
                   .ExecuteAsync(ct))
        {
            Assert.False(failed.IsSuccessStatusCode);
        }

        async Task<List<string>> NamesAsync(string partition) =>
            [.. (await DrainAsync(Items.GetItemQueryIterator<TestItem>("SELECT * FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(partition) })))
                .Select(r => $"{r.Id.Replace(partition, "pk", StringComparison.Ordinal)}:{r.Name}").Order(StringComparer.Ordinal)];

        Assert.Equal(["pk-1:replaced", "pk-3:n3", "upserted:new"], await NamesAsync(pk));
        Assert.Equal(["pk-1:n1"], await NamesAsync(other));
        Assert.Empty(await NamesAsync(empty));
    }

    [Fact]
    public async Task Query_WithoutPartitionKey_RunsAcrossPartitions()
    {
        var (pkA, pkB) = (NewPartition(), NewPartition());
        await SeedAsync(pkA, 2);
        await SeedAsync(pkB, 2);

        var query = new QueryDefinition("SELECT * FROM c WHERE c.pk = @a OR c.pk = @b").WithParameter("@a", pkA).WithParameter("@b", pkB);
        var results = await DrainAsync(Items.GetItemQueryIterator<TestItem>(query));

        Assert.Equal(4, results.Count);
        Assert.Equal(2, results.Select(r => r.Pk).Distinct().Count());
    }

    [Fact]
    public async Task Query_WithOrderBy_ReturnsItemsSorted()
    {
        var pk = NewPartition();
        foreach (var q in new[] { 3, 1, 2 })
        {
            await Items.CreateItemAsync(new TestItem($"o{q}", pk, $"n{q}", q), new PartitionKey(pk), cancellationToken: ct);
        }

        var query = new QueryDefinition("SELECT * FROM c WHERE c.pk = @pk ORDER BY c.quantity DESC").WithParameter("@pk", pk);
        var results = await DrainAsync(Items.GetItemQueryIterator<TestItem>(query));

        Assert.Equal([3, 2, 1], results.Select(r => r.Quantity));
    }

    [Fact]
    public async Task Query_WithCountAndSum_ReturnsTheAggregates()
    {
        var pk = NewPartition();
        await SeedAsync(pk, 4); // quantities 1..4

        var count = await DrainAsync(Items.GetItemQueryIterator<int>(
            new QueryDefinition("SELECT VALUE COUNT(1) FROM c WHERE c.pk = @pk").WithParameter("@pk", pk)));
        var sum = await DrainAsync(Items.GetItemQueryIterator<int>(
            new QueryDefinition("SELECT VALUE SUM(c.quantity) FROM c").WithParameter("@pk", pk),
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(pk) }));

        Assert.Equal([4], count);
        Assert.Equal([10], sum);
    }

    [Fact]
    public async Task Linq_ToFeedIterator_FiltersAndOrders()
    {
        var pk = NewPartition();
        await SeedAsync(pk, 5);

        var iterator = Items.GetItemLinqQueryable<TestItem>()
            .Where(i => i.Pk == pk && i.Quantity >= 3)
            .OrderBy(i => i.Quantity)
            .ToFeedIterator();
        var results = await DrainAsync(iterator);

        Assert.Equal([3, 4, 5], results.Select(r => r.Quantity));
    }

    [Fact]
    public async Task Query_WithMaxItemCount_PagesWithContinuationTokens()
    {
        var pk = NewPartition();
        await SeedAsync(pk, 5);
        var options = new QueryRequestOptions { PartitionKey = new PartitionKey(pk), MaxItemCount = 2 };

        var seen = new List<TestItem>();
        string? continuation = null;
        var pages = 0;
        do
        {
            using var iterator = Items.GetItemQueryIterator<TestItem>("SELECT * FROM c", continuation, options);
            var page = await iterator.ReadNextAsync(ct);
            seen.AddRange(page);
            continuation = page.ContinuationToken;
            pages++;
        }
        while (continuation is not null && pages < 10);

        Assert.Equal(5, seen.Count);
        Assert.Equal(5, seen.Select(s => s.Id).Distinct().Count());
        Assert.True(pages >= 3, $"expected at least 3 pages of 2, got {pages}");
    }

    [Fact]
    public async Task TransactionalBatch_WhenEveryOperationSucceeds_CommitsThemAll()
    {
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("existing", pk, "old", 1), new PartitionKey(pk), cancellationToken: ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .CreateItem(new TestItem("b1", pk, "one", 1))
            .UpsertItem(new TestItem("b2", pk, "two", 2))
            .ReplaceItem("existing", new TestItem("existing", pk, "new", 3))
            .ReadItem("existing")
            .ExecuteAsync(ct);

        Assert.True(response.IsSuccessStatusCode, $"batch failed: {response.StatusCode} {response.ErrorMessage}");
        Assert.Equal(4, response.Count);
        Assert.Equal(HttpStatusCode.Created, response[0].StatusCode);
        Assert.Equal("new", response.GetOperationResultAtIndex<TestItem>(3).Resource.Name);
        var b2 = await Items.ReadItemAsync<TestItem>("b2", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal("two", b2.Resource.Name);
    }

    [Fact]
    public async Task TransactionalBatch_WhenOneOperationFails_RollsBackEverythingWithFailedDependency()
    {
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("taken", pk, "original", 1), new PartitionKey(pk), cancellationToken: ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .CreateItem(new TestItem("new-one", pk, "one", 1))
            .ReplaceItem("taken", new TestItem("taken", pk, "changed", 2))
            .CreateItem(new TestItem("taken", pk, "conflict", 3))
            .ExecuteAsync(ct);

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(3, response.Count);
        Assert.Equal(HttpStatusCode.FailedDependency, response[0].StatusCode);
        Assert.Equal(HttpStatusCode.FailedDependency, response[1].StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, response[2].StatusCode);

        using var created = await Items.ReadItemStreamAsync("new-one", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.NotFound, created.StatusCode);
        var taken = await Items.ReadItemAsync<TestItem>("taken", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal("original", taken.Resource.Name);
    }

    [Fact]
    public async Task Bulk_WithAllowBulkExecution_WritesEveryItem()
    {
        var bulkItems = cosmos.BulkClient.GetContainer(cosmos.Database.Id, Items.Id);
        var partitions = Enumerable.Range(0, 4).Select(_ => NewPartition()).ToArray();
        var items = Enumerable.Range(0, 200).Select(i => new TestItem($"bulk-{i}", partitions[i % 4], "bulk", i)).ToList();

        var responses = await Task.WhenAll(items.Select(i => bulkItems.CreateItemAsync(i, new PartitionKey(i.Pk), cancellationToken: ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var count = await DrainAsync(Items.GetItemQueryIterator<int>(
            new QueryDefinition("SELECT VALUE COUNT(1) FROM c WHERE c.name = 'bulk'")));
        Assert.Equal([200], count);
    }

    [Fact]
    public async Task ChangeFeed_PullModel_ReturnsChangesOnceAndResumesFromTheContinuation()
    {
        var container = await cosmos.NewContainerAsync("feed", defaultTimeToLive: null, ct);
        var pk = NewPartition();
        for (var i = 0; i < 5; i++)
        {
            await container.CreateItemAsync(new TestItem($"f{i}", pk, "v1", i), new PartitionKey(pk), cancellationToken: ct);
        }

        var (first, continuation) = await ReadChangesAsync(container, ChangeFeedStartFrom.Beginning());
        Assert.Equal(["f0", "f1", "f2", "f3", "f4"], first.Select(i => i.Id));

        var (none, sameContinuation) = await ReadChangesAsync(container, ChangeFeedStartFrom.ContinuationToken(continuation));
        Assert.Empty(none);

        await container.UpsertItemAsync(new TestItem("f1", pk, "v2", 1), new PartitionKey(pk), cancellationToken: ct);
        await container.CreateItemAsync(new TestItem("f5", pk, "v1", 5), new PartitionKey(pk), cancellationToken: ct);
        var (next, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.ContinuationToken(sameContinuation));

        Assert.Equal(["f1", "f5"], next.Select(i => i.Id));
        Assert.Equal("v2", next[0].Name);
    }

    [Fact]
    public async Task ChangeFeed_FromNow_SkipsEarlierWrites()
    {
        var container = await cosmos.NewContainerAsync("now", defaultTimeToLive: null, ct);
        var pk = NewPartition();
        await container.CreateItemAsync(new TestItem("before", pk, "x", 1), new PartitionKey(pk), cancellationToken: ct);

        var (initial, continuation) = await ReadChangesAsync(container, ChangeFeedStartFrom.Now());
        await container.CreateItemAsync(new TestItem("after", pk, "x", 2), new PartitionKey(pk), cancellationToken: ct);
        var (later, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.ContinuationToken(continuation));

        Assert.Empty(initial);
        Assert.Equal(["after"], later.Select(i => i.Id));
    }

    [Fact]
    public async Task ChangeFeedProcessor_WithLeaseContainer_DeliversEveryChange()
    {
        var container = await cosmos.NewContainerAsync("cfp", defaultTimeToLive: null, ct);
        var received = new ConcurrentDictionary<string, TestItem>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Expected = 20;
        var processor = container
            .GetChangeFeedProcessorBuilder<TestItem>($"processor-{Guid.NewGuid():N}", (IReadOnlyCollection<TestItem> changes, CancellationToken _) =>
            {
                foreach (var change in changes)
                {
                    received[change.Id] = change;
                }

                if (received.Count >= Expected)
                {
                    all.TrySetResult();
                }

                return Task.CompletedTask;
            })
            .WithInstanceName("conformance")
            .WithLeaseContainer(cosmos.Leases)
            .WithPollInterval(TimeSpan.FromMilliseconds(100))
            .WithStartTime(DateTime.MinValue.ToUniversalTime())
            .Build();

        await processor.StartAsync();
        try
        {
            var pk = NewPartition();
            for (var i = 0; i < Expected; i++)
            {
                await container.CreateItemAsync(new TestItem($"c{i}", pk, "x", i), new PartitionKey(pk), cancellationToken: ct);
            }

            await all.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        }
        finally
        {
            await processor.StopAsync();
        }

        Assert.Equal(Expected, received.Count);
        var leases = await DrainAsync(cosmos.Leases.GetItemQueryIterator<dynamic>("SELECT * FROM c"));
        Assert.NotEmpty(leases);
    }

    [Fact]
    public async Task Ttl_WhenAnItemExpires_ItDisappearsFromReadsAndQueries()
    {
        var container = await cosmos.NewContainerAsync("ttl", defaultTimeToLive: -1, ct);
        var pk = NewPartition();
        await container.CreateItemAsync(new TestItem("short", pk, "x", 1, Ttl: 1), new PartitionKey(pk), cancellationToken: ct);
        await container.CreateItemAsync(new TestItem("forever", pk, "x", 2), new PartitionKey(pk), cancellationToken: ct);

        // Real Cosmos deletes expired items in the background; allow it a generous margin.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(cosmos.Target.Contains("stand-in", StringComparison.Ordinal) ? 10 : 60);
        HttpStatusCode status;
        do
        {
            await Task.Delay(500, ct);
            using var read = await container.ReadItemStreamAsync("short", new PartitionKey(pk), cancellationToken: ct);
            status = read.StatusCode;
        }
        while (status != HttpStatusCode.NotFound && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.NotFound, status);
        var remaining = await DrainAsync(container.GetItemQueryIterator<TestItem>("SELECT * FROM c"));
        Assert.Equal(["forever"], remaining.Select(i => i.Id));
    }

    [Fact]
    public async Task ReadItem_WithAnotherPartitionKey_ThrowsNotFound()
    {
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("scoped", pk, "x", 1), new PartitionKey(pk), cancellationToken: ct);

        var ex = await Assert.ThrowsAsync<CosmosException>(
            () => Items.ReadItemAsync<TestItem>("scoped", new PartitionKey(NewPartition()), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task TransactionalBatch_WithPatchAndDelete_AppliesBoth()
    {
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("counter", pk, "c", 10), new PartitionKey(pk), cancellationToken: ct);
        await Items.CreateItemAsync(new TestItem("obsolete", pk, "o", 1), new PartitionKey(pk), cancellationToken: ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .PatchItem("counter", [PatchOperation.Increment("/quantity", 5)])
            .DeleteItem("obsolete")
            .ExecuteAsync(ct);

        Assert.True(response.IsSuccessStatusCode, $"batch failed: {response.StatusCode} {response.ErrorMessage}");
        Assert.Equal(HttpStatusCode.NoContent, response[1].StatusCode);
        Assert.Equal(15, (await Items.ReadItemAsync<TestItem>("counter", new PartitionKey(pk), cancellationToken: ct)).Resource.Quantity);
        using var obsolete = await Items.ReadItemStreamAsync("obsolete", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.NotFound, obsolete.StatusCode);
    }

    [Fact]
    public async Task TransactionalBatch_WhenIfMatchEtagIsStale_FailsWithPreconditionFailedAndChangesNothing()
    {
        var pk = NewPartition();
        var original = await Items.CreateItemAsync(new TestItem("guarded", pk, "v1", 1), new PartitionKey(pk), cancellationToken: ct);
        await Items.ReplaceItemAsync(new TestItem("guarded", pk, "v2", 2), "guarded", new PartitionKey(pk), cancellationToken: ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .UpsertItem(new TestItem("side-effect", pk, "s", 1))
            .ReplaceItem("guarded", new TestItem("guarded", pk, "v3", 3), new TransactionalBatchItemRequestOptions { IfMatchEtag = original.ETag })
            .ExecuteAsync(ct);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal(HttpStatusCode.FailedDependency, response[0].StatusCode);
        using var sideEffect = await Items.ReadItemStreamAsync("side-effect", new PartitionKey(pk), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.NotFound, sideEffect.StatusCode);
        Assert.Equal("v2", (await Items.ReadItemAsync<TestItem>("guarded", new PartitionKey(pk), cancellationToken: ct)).Resource.Name);
    }

    [Fact]
    public async Task Bulk_WhenSomeOperationsConflict_ReportsEachOutcomeOnItsOwn()
    {
        var bulkItems = cosmos.BulkClient.GetContainer(cosmos.Database.Id, Items.Id);
        var pk = NewPartition();
        await Items.CreateItemAsync(new TestItem("bulk-taken", pk, "x", 0), new PartitionKey(pk), cancellationToken: ct);

        var creates = Enumerable.Range(0, 20)
            .Select(i => new TestItem(i == 7 ? "bulk-taken" : $"bulk-free-{i}", pk, "y", i))
            .Select(async item =>
            {
                try
                {
                    await bulkItems.CreateItemAsync(item, new PartitionKey(pk), cancellationToken: ct);
                    return HttpStatusCode.Created;
                }
                catch (CosmosException ex)
                {
                    return ex.StatusCode;
                }
            });
        var outcomes = await Task.WhenAll(creates);
        var upserts = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            bulkItems.UpsertItemAsync(new TestItem($"bulk-free-{i}", pk, "upserted", i), new PartitionKey(pk), cancellationToken: ct)));

        Assert.Equal(19, outcomes.Count(o => o == HttpStatusCode.Created));
        Assert.Equal(HttpStatusCode.Conflict, outcomes[7]);
        Assert.All(upserts, u => Assert.Equal(HttpStatusCode.OK, u.StatusCode));
    }

    [Fact]
    public async Task ChangeFeed_ForOnePartitionKey_ReturnsOnlyThatPartition()
    {
        var container = await cosmos.NewContainerAsync("scoped-feed", defaultTimeToLive: null, ct);
        var (pkA, pkB) = (NewPartition(), NewPartition());
        await container.CreateItemAsync(new TestItem("a1", pkA, "x", 1), new PartitionKey(pkA), cancellationToken: ct);
        await container.CreateItemAsync(new TestItem("b1", pkB, "x", 1), new PartitionKey(pkB), cancellationToken: ct);
        await container.CreateItemAsync(new TestItem("a2", pkA, "x", 2), new PartitionKey(pkA), cancellationToken: ct);

        var (changes, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.Beginning(FeedRange.FromPartitionKey(new PartitionKey(pkA))));

        Assert.Equal(["a1", "a2"], changes.Select(c => c.Id));
    }

    [Fact]
    public async Task ChangeFeed_WithPageSizeHint_ReturnsEveryChangeAcrossPages()
    {
        var container = await cosmos.NewContainerAsync("paged-feed", defaultTimeToLive: null, ct);
        var pk = NewPartition();
        for (var i = 0; i < 7; i++)
        {
            await container.CreateItemAsync(new TestItem($"p{i}", pk, "x", i), new PartitionKey(pk), cancellationToken: ct);
        }

        using var iterator = container.GetChangeFeedIterator<TestItem>(
            ChangeFeedStartFrom.Beginning(), ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = 3 });
        var pages = new List<int>();
        while (iterator.HasMoreResults)
        {
            var page = await iterator.ReadNextAsync(ct);
            if (page.StatusCode == HttpStatusCode.NotModified)
            {
                break;
            }

            pages.Add(page.Count);
        }

        Assert.Equal(7, pages.Sum());
        Assert.All(pages, p => Assert.True(p <= 3, $"a page held {p} items, more than the hint of 3"));
    }

    [Fact]
    public async Task PatchAndDelete_WhenIdIsMissing_ReturnNotFound()
    {
        var pk = new PartitionKey(NewPartition());

        using var patch = await Items.PatchItemStreamAsync("missing", pk, [PatchOperation.Set("/name", "x")], cancellationToken: ct);
        using var delete = await Items.DeleteItemStreamAsync("missing", pk, cancellationToken: ct);
        using var replace = await Items.ReplaceItemStreamAsync(new MemoryStream("{\"id\":\"missing\",\"pk\":\"none\"}"u8.ToArray()), "missing", pk, cancellationToken: ct);

        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, replace.StatusCode);
    }

    [Fact]
    public async Task ReadMany_ReturnsTheExistingItemsOfSeveralPartitions()
    {
        var (pkA, pkB) = (NewPartition(), NewPartition());
        await Items.CreateItemAsync(new TestItem("m1", pkA, "x", 1), new PartitionKey(pkA), cancellationToken: ct);
        await Items.CreateItemAsync(new TestItem("m2", pkB, "x", 2), new PartitionKey(pkB), cancellationToken: ct);

        var response = await Items.ReadManyItemsAsync<TestItem>(
            [("m1", new PartitionKey(pkA)), ("m2", new PartitionKey(pkB)), ("absent", new PartitionKey(pkA))], cancellationToken: ct);

        Assert.Equal(["m1", "m2"], response.Select(i => i.Id).Order());
    }

    [Fact]
    public async Task Query_WithTop_ReturnsAtMostThatMany()
    {
        var pk = NewPartition();
        await SeedAsync(pk, 5);

        var results = await DrainAsync(Items.GetItemQueryIterator<TestItem>(
            new QueryDefinition("SELECT TOP 2 * FROM c WHERE c.pk = @pk ORDER BY c.quantity").WithParameter("@pk", pk)));

        Assert.Equal([1, 2], results.Select(r => r.Quantity));
    }

    private async Task SeedAsync(string pk, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await Items.CreateItemAsync(new TestItem($"{pk}-{i}", pk, $"n{i}", i), new PartitionKey(pk), cancellationToken: ct);
        }
    }

    private async Task<List<T>> DrainAsync<T>(FeedIterator<T> iterator)
    {
        using (iterator)
        {
            var results = new List<T>();
            while (iterator.HasMoreResults)
            {
                results.AddRange(await iterator.ReadNextAsync(ct));
            }

            return results;
        }
    }

    private async Task<(List<TestItem> Items, string Continuation)> ReadChangesAsync(Container container, ChangeFeedStartFrom start)
    {
        using var iterator = container.GetChangeFeedIterator<TestItem>(start, ChangeFeedMode.LatestVersion);
        var items = new List<TestItem>();
        while (iterator.HasMoreResults)
        {
            var page = await iterator.ReadNextAsync(ct);
            if (page.StatusCode == HttpStatusCode.NotModified)
            {
                return (items, page.ContinuationToken);
            }

            items.AddRange(page);
        }

        throw new InvalidOperationException("The change feed iterator ended without NotModified.");
    }
}
