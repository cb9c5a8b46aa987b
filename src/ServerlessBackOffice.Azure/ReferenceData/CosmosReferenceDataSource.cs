using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Azure.ReferenceData;

/// <summary>How <see cref="CosmosReferenceDataSource"/> caches.</summary>
public sealed record ReferenceDataCacheOptions
{
    /// <summary>The configuration section: <c>ReferenceDataCache__Expiry = 00:05:00</c>.</summary>
    public const string Section = "ReferenceDataCache";

    /// <summary>How long a snapshot is served before the activation list is checked again (default 5 minutes).</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a failed refresh waits before the next attempt, while the last snapshot is still served (default 30 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Up to this many new rows of one kind are fetched by point reads (a daily FX fixing, one changed SSI) when the rest of
    /// the kind is cached; more, or a kind read for the first time, are fetched with one query of the kind's partition.
    /// </summary>
    public int PointReadLimit { get; init; } = 20;

    /// <summary>The defaults, with <c>Expiry</c> and <c>RetryDelay</c> (<c>hh:mm:ss</c>) from <see cref="Section"/> when set.</summary>
    /// <exception cref="FormatException">A setting is not a positive <c>hh:mm:ss</c> duration.</exception>
    public static ReferenceDataCacheOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var defaults = new ReferenceDataCacheOptions();
        return new ReferenceDataCacheOptions
        {
            Expiry = Duration(section, nameof(Expiry)) ?? defaults.Expiry,
            RetryDelay = Duration(section, nameof(RetryDelay)) ?? defaults.RetryDelay,
        };
    }

    private static TimeSpan? Duration(IConfigurationSection section, string name)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new FormatException($"{Section}__{name} = '{text}' is not a positive duration (hh:mm:ss).");
    }
}

/// <summary>
/// Reference data from Cosmos DB, as <see cref="ReferenceDataLoader"/> stores it, served from memory. The capture path
/// costs no request while the snapshot is fresh; once it is older than <see cref="ReferenceDataCacheOptions.Expiry"/>, the
/// next call still returns it at once and starts one background refresh, which point-reads the activation list (one
/// request) and, only when another set version is in force, that set's manifest and the rows it does not hold yet.
/// Rows are content-addressed, so a snapshot is always one complete set and unchanged rows are never read twice.
/// <para>
/// Only the very first call waits for Cosmos. When a refresh fails, the last snapshot is kept and the next attempt comes
/// after <see cref="ReferenceDataCacheOptions.RetryDelay"/>; when there is no snapshot yet the call throws, so the
/// message is retried rather than rejected against no data. An entity missing from a sound set is simply absent from the
/// snapshot: capture rejects the trade with its reason code (unknown instrument, counterparty, account).
/// </para>
/// </summary>
public sealed partial class CosmosReferenceDataSource : IReferenceDataSource
{
    private readonly Container _container;
    private readonly TimeProvider _clock;
    private readonly ReferenceDataCacheOptions _options;
    private readonly ILogger<CosmosReferenceDataSource> _logger;
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;
    private Task<Snapshot>? _refresh;

    // Entities of the current set by row id; touched only by the one running refresh.
    private Dictionary<string, object> _entities = new(StringComparer.Ordinal);

    /// <summary>Creates the source over the reference-data container.</summary>
    public CosmosReferenceDataSource(Container container, TimeProvider clock, ReferenceDataCacheOptions options, ILogger<CosmosReferenceDataSource> logger)
    {
        _container = container;
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <summary>The version of the snapshot being served, or null before the first load.</summary>
    public string? CurrentVersion => Volatile.Read(ref _snapshot)?.Version;

    /// <summary>The refresh in progress, or a completed task: lets a test or a warm-up wait for it.</summary>
    public Task PendingRefresh
    {
        get
        {
            lock (_gate)
            {
                return _refresh is { IsCompleted: false } running ? running.ContinueWith(static _ => { }, TaskScheduler.Default) : Task.CompletedTask;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<ReferenceDataSet> GetCurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is null)
        {
            return new ValueTask<ReferenceDataSet>(RefreshAsync(cancellationToken));
        }

        if (_clock.GetUtcNow() >= snapshot.CheckAfter)
        {
            _ = RefreshInBackgroundAsync();
        }

        return ValueTask.FromResult(snapshot.Set);
    }

    /// <summary>Checks for a newer set now (joining a refresh already running) and returns the snapshot in force.</summary>
    public async Task<ReferenceDataSet> RefreshAsync(CancellationToken cancellationToken) =>
        (await StartRefresh().WaitAsync(cancellationToken)).Set;

    private Task<Snapshot> StartRefresh()
    {
        lock (_gate)
        {
            // One refresh at a time, shared by every caller; it runs to the end whatever happens to a caller's token.
            if (_refresh is not { IsCompleted: false })
            {
                _refresh = Task.Run(RefreshCoreAsync, CancellationToken.None);
            }

            return _refresh;
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await StartRefresh();
        }
        catch (Exception)
        {
            // Already logged by the refresh, which also set the retry time; the last snapshot stays in service.
        }
    }

    private async Task<Snapshot> RefreshCoreAsync()
    {
        var now = _clock.GetUtcNow();
        try
        {
            var activations = await ReadAsync<ReferenceDataActivations>(ReferenceDataKinds.Manifest, ReferenceDataActivations.DocumentId)
                ?? throw new InvalidOperationException("No reference data is loaded in Cosmos: run `backoffice load-reference-data`.");
            var inForce = activations.InForceAt(now)
                ?? throw new InvalidOperationException($"No reference data set is in force at {now:O}: every loaded set is effective later.");

            // Check again at the expiry, or as soon as a pre-loaded set comes into force, whichever is first.
            var nextActivation = activations.Activations.Where(a => a.EffectiveFrom > now).Select(a => (DateTimeOffset?)a.EffectiveFrom).Min();
            var checkAfter = nextActivation is { } at && at < now + _options.Expiry ? at : now + _options.Expiry;

            var current = Volatile.Read(ref _snapshot);
            Snapshot next;
            if (current is not null && current.Version == inForce.Version)
            {
                next = current with { CheckAfter = checkAfter };
            }
            else
            {
                var manifest = await ReadAsync<ReferenceDataManifest>(ReferenceDataKinds.Manifest, ReferenceDataManifest.IdFor(inForce.Version))
                    ?? throw new InvalidDataException($"Reference data set {inForce.Version} is activated but its manifest is missing.");
                var entities = await EntitiesAsync(manifest);
                next = new Snapshot(ReferenceDataRows.ToSet(manifest, entities), manifest.Version, checkAfter);
                _entities = entities;
                LogSetInForce(manifest.Version, inForce.EffectiveFrom, entities.Count);
            }

            Volatile.Write(ref _snapshot, next);
            return next;
        }
        catch (Exception ex) when (Volatile.Read(ref _snapshot) is { } stale)
        {
            LogRefreshFailed(ex, stale.Version, _options.RetryDelay);
            Volatile.Write(ref _snapshot, stale with { CheckAfter = now + _options.RetryDelay });
            throw;
        }
    }

    private async Task<Dictionary<string, object>> EntitiesAsync(ReferenceDataManifest manifest)
    {
        var entities = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (kind, ids) in manifest.Rows)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (_entities.TryGetValue(id, out var known))
                {
                    entities[id] = known;
                }
                else
                {
                    missing.Add(id);
                }
            }

            if (missing.Count == 0)
            {
                continue;
            }

            // A few new rows beside cached ones (a daily fixing, a changed SSI) are point reads; a kind read for the first
            // time, or largely changed, is one query of its partition.
            IEnumerable<ReferenceDataRow> rows = missing.Count <= _options.PointReadLimit && missing.Count < ids.Count
                ? await PointReadRowsAsync(kind, missing)
                : await QueryPartitionAsync(kind);
            foreach (var row in rows.Where(r => missing.Contains(r.Id)))
            {
                entities[row.Id] = ReferenceDataRows.Entity(row);
            }
        }

        return entities;
    }

    private async Task<List<ReferenceDataRow>> PointReadRowsAsync(string kind, IEnumerable<string> ids)
    {
        var rows = new List<ReferenceDataRow>();
        foreach (var id in ids)
        {
            // A listed row that is not there is reported by ReferenceDataRows.ToSet with the set's version.
            if (await ReadAsync<ReferenceDataRow>(kind, id) is { } row)
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    private async Task<List<ReferenceDataRow>> QueryPartitionAsync(string kind)
    {
        // A single-partition read of one kind: a few hundred small documents, once per set version per instance.
        var rows = new List<ReferenceDataRow>();
        using var iterator = _container.GetItemQueryStreamIterator(
            new QueryDefinition("SELECT * FROM c"),
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(kind), MaxItemCount = 1000 });
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync();
            response.EnsureSuccessStatusCode();
            var page = await JsonSerializer.DeserializeAsync<FeedPage>(response.Content, CosmosSerialization.Options)
                ?? throw new InvalidDataException($"An empty page came back from the {kind} partition.");
            rows.AddRange(page.Documents);
        }

        return rows;
    }

    private async Task<T?> ReadAsync<T>(string kind, string id)
        where T : class
    {
        using var response = await _container.ReadItemStreamAsync(id, new PartitionKey(kind));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await JsonSerializer.DeserializeAsync<T>(response.Content, CosmosSerialization.Options)
            ?? throw new InvalidDataException($"Reference data document {kind}/{id} is empty.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reference data set {Version} in force (effective from {EffectiveFrom}, {Rows} rows)")]
    private partial void LogSetInForce(string version, DateTimeOffset effectiveFrom, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reference data refresh failed; set {Version} stays in service, next attempt in {RetryDelay}")]
    private partial void LogRefreshFailed(Exception exception, string version, TimeSpan retryDelay);

    private sealed record Snapshot(ReferenceDataSet Set, string Version, DateTimeOffset CheckAfter);

    private sealed record FeedPage([property: JsonPropertyName("Documents")] IReadOnlyList<ReferenceDataRow> Documents);
}
