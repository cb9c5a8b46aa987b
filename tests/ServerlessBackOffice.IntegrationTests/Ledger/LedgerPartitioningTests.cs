using ServerlessBackOffice.Azure.Ledger;

namespace ServerlessBackOffice.IntegrationTests.Ledger;

/// <summary>
/// A million-trade day spread over the ledger's partitions: every logical partition holds one trade's few documents, far
/// below Cosmos DB's 20 GB logical-partition limit, and the hash of the keys spreads the day evenly over physical
/// partitions, so no partition is hot.
/// </summary>
public sealed class LedgerPartitioningTests
{
    [Fact]
    public void MillionTradeDay_HasNoHotPartition()
    {
        const int trades = 1_000_000;
        const int physicalPartitions = 10;
        const long documentsPerTrade = 4;          // state, trade-date entry, up to two settlement entries
        const long bytesPerDocument = 2_048;       // an entry with 7 lines and its metadata, generously
        var counts = new long[physicalPartitions];
        string? previous = null;
        for (var i = 1; i <= trades; i++)
        {
            // Trade ids are unique, and the key is the trade id: one logical partition per trade.
            var key = CosmosLedgerStore.PartitionKeyFor($"OMS-20261124-{i:D7}");
            Assert.NotEqual(previous, key);
            previous = key;

            // Cosmos hashes the partition key (MurmurHash3) onto physical ranges; any well-mixed hash shows the same spread.
            counts[Mix(key) % physicalPartitions]++;
        }

        var largestLogicalPartitionBytes = documentsPerTrade * bytesPerDocument;
        Assert.True(largestLogicalPartitionBytes < 20L * 1024 * 1024 * 1024 / 1000, "a trade's partition stays tiny");
        var largestShare = counts.Max() / (double)trades;
        Assert.InRange(largestShare, 0.09, 0.102);
    }

    private static ulong Mix(string key)
    {
        // FNV-1a, then a 64-bit finaliser so that consecutive ids land on unrelated buckets.
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        return hash ^ (hash >> 33);
    }
}
