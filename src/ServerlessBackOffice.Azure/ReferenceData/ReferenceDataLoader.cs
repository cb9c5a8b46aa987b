using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Domain.ReferenceData;

namespace ServerlessBackOffice.Azure.ReferenceData;

/// <summary>What a load did.</summary>
/// <param name="Version">The set version (the same data always has the same version).</param>
/// <param name="EffectiveFrom">When the set comes into force.</param>
/// <param name="Rows">How many entity rows the set has.</param>
/// <param name="Activated">False when this version was already active from this instant (nothing was written).</param>
public sealed record ReferenceDataLoadResult(string Version, DateTimeOffset EffectiveFrom, int Rows, bool Activated);

/// <summary>
/// Puts a reference data set into the reference-data container (partition key <c>/kind</c>): every entity row first
/// (upserts of content-addressed documents, so a row that is already there is rewritten with the same bytes), then the
/// set's manifest, then — with <c>If-Match</c> on the activation list — the activation that brings the set into force.
/// A reader only follows the activation list, so it never sees a set whose rows are not all stored, and a load that dies
/// half-way is finished by running it again. Loading a version that is already active from the same instant writes
/// nothing. Transient failures throw; the load can simply be repeated.
/// </summary>
/// <param name="container">The reference-data container.</param>
/// <param name="clock">The clock that stamps <see cref="ReferenceDataActivation.LoadedAt"/>.</param>
public sealed class ReferenceDataLoader(Container container, TimeProvider clock)
{
    /// <summary>The instant an activation without an explicit effective instant is in force from: always.</summary>
    public static readonly DateTimeOffset Always = DateTimeOffset.UnixEpoch;

    private const int ConcurrentWrites = 16;

    /// <summary>Loads with the system clock.</summary>
    public ReferenceDataLoader(Container container)
        : this(container, TimeProvider.System)
    {
    }

    /// <summary>Loads <paramref name="set"/> and activates it from <see cref="Always"/> (in force for any clock).</summary>
    /// <exception cref="InvalidDataException">The set has integrity problems (check digits, dangling references).</exception>
    public Task<ReferenceDataLoadResult> LoadAsync(ReferenceDataSet set, CancellationToken cancellationToken) =>
        LoadAsync(set, null, cancellationToken);

    /// <summary>
    /// Loads <paramref name="set"/> and activates it from <paramref name="effectiveFrom"/> (null: <see cref="Always"/>, in
    /// force for any clock, which is what a first load and the local day run want; a later instant pre-loads a set).
    /// </summary>
    /// <exception cref="InvalidDataException">The set has integrity problems (check digits, dangling references).</exception>
    public async Task<ReferenceDataLoadResult> LoadAsync(ReferenceDataSet set, DateTimeOffset? effectiveFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var problems = set.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidDataException("Reference data has integrity problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }

        var (rows, manifest) = ReferenceDataRows.From(set);
        var from = effectiveFrom ?? Always;
        var (activations, etag) = await ReadActivationsAsync(cancellationToken);
        if (activations.Activations.Any(a => a.Version == manifest.Version && a.EffectiveFrom == from))
        {
            return new ReferenceDataLoadResult(manifest.Version, from, rows.Count, Activated: false);
        }

        await Parallel.ForEachAsync(
            rows.DistinctBy(r => (r.Kind, r.Id)),
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentWrites, CancellationToken = cancellationToken },
            async (row, ct) => await UpsertAsync(row, row.Kind, ct));
        await UpsertAsync(manifest, ReferenceDataKinds.Manifest, cancellationToken);

        // The activation list is the one shared document: a concurrent load makes the If-Match fail, so read and retry.
        while (true)
        {
            var activation = new ReferenceDataActivation(manifest.Version, from, clock.GetUtcNow());
            var next = activations with { Activations = [.. activations.Activations.Append(activation).TakeLast(ReferenceDataActivations.MaximumActivations)] };
            if (await TryWriteActivationsAsync(next, etag, cancellationToken))
            {
                return new ReferenceDataLoadResult(manifest.Version, from, rows.Count, Activated: true);
            }

            (activations, etag) = await ReadActivationsAsync(cancellationToken);
            if (activations.Activations.Any(a => a.Version == manifest.Version && a.EffectiveFrom == from))
            {
                return new ReferenceDataLoadResult(manifest.Version, from, rows.Count, Activated: false);
            }
        }
    }

    /// <summary>Reads the activation list; an empty one (and no ETag) when nothing was ever loaded.</summary>
    public async Task<(ReferenceDataActivations Activations, string? ETag)> ReadActivationsAsync(CancellationToken cancellationToken)
    {
        using var response = await container.ReadItemStreamAsync(
            ReferenceDataActivations.DocumentId, new PartitionKey(ReferenceDataKinds.Manifest), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (new ReferenceDataActivations(ReferenceDataActivations.DocumentId, ReferenceDataKinds.Manifest, []), null);
        }

        response.EnsureSuccessStatusCode();
        var activations = await JsonSerializer.DeserializeAsync<ReferenceDataActivations>(response.Content, CosmosSerialization.Options, cancellationToken)
            ?? throw new InvalidDataException("The reference data activation list is empty.");
        return (activations, response.Headers.ETag);
    }

    private async Task<bool> TryWriteActivationsAsync(ReferenceDataActivations activations, string? etag, CancellationToken cancellationToken)
    {
        using var content = Serialize(activations);
        var key = new PartitionKey(ReferenceDataKinds.Manifest);
        var options = new ItemRequestOptions { EnableContentResponseOnWrite = false };
        ResponseMessage response;
        if (etag is null)
        {
            response = await container.CreateItemStreamAsync(content, key, options, cancellationToken);
        }
        else
        {
            options.IfMatchEtag = etag;
            response = await container.ReplaceItemStreamAsync(content, ReferenceDataActivations.DocumentId, key, options, cancellationToken);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed)
            {
                return false;
            }

            response.EnsureSuccessStatusCode();
            return true;
        }
    }

    private async Task UpsertAsync<T>(T document, string kind, CancellationToken cancellationToken)
    {
        using var content = Serialize(document);
        using var response = await container.UpsertItemStreamAsync(
            content, new PartitionKey(kind), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static MemoryStream Serialize<T>(T document) => new(JsonSerializer.SerializeToUtf8Bytes(document, CosmosSerialization.Options));
}
