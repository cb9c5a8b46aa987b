using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Azure.ReferenceData;

/// <summary>
/// The values of the reference-data container's partition key (<c>/kind</c>): one logical partition per kind of entity,
/// plus <see cref="Manifest"/> for the set manifests and the activation list. Every partition is small (the largest, the
/// securities, is a few hundred kilobytes) and read-mostly: read once per cache refresh, written once per load.
/// </summary>
public static class ReferenceDataKinds
{
    /// <summary>Securities, keyed by ISIN.</summary>
    public const string Security = "security";

    /// <summary>Counterparties with their effective-dated SSIs, tolerances and netting agreement, keyed by LEI.</summary>
    public const string Counterparty = "counterparty";

    /// <summary>Custodians, keyed by LEI.</summary>
    public const string Custodian = "custodian";

    /// <summary>Books, keyed by id.</summary>
    public const string Book = "book";

    /// <summary>Accounts, keyed by id.</summary>
    public const string Account = "account";

    /// <summary>Commission schedules, keyed by id.</summary>
    public const string CommissionSchedule = "commissionSchedule";

    /// <summary>Fee and tax rate rows, keyed by code and effective date.</summary>
    public const string FeeRule = "feeRule";

    /// <summary>Daily FX fixings, keyed by date and currency pair.</summary>
    public const string FxRate = "fxRate";

    /// <summary>Trading and settlement holiday calendars, keyed by id.</summary>
    public const string Calendar = "calendar";

    /// <summary>Settlement conventions (calendars and cycle history), keyed by id.</summary>
    public const string SettlementConvention = "settlementConvention";

    /// <summary>The partition of the set manifests and of the activation list.</summary>
    public const string Manifest = "manifest";

    /// <summary>Every entity kind, in the order a set is written and read.</summary>
    public static IReadOnlyList<string> EntityKinds { get; } =
        [Security, Counterparty, Custodian, Book, Account, CommissionSchedule, FeeRule, FxRate, Calendar, SettlementConvention];
}

/// <summary>
/// One reference entity as a Cosmos document in the partition of its kind. The id is the entity's natural key followed by
/// a hash of its content (<c>US0378331005.5f0c…</c>), so a document never changes once written: a changed entity (a new SSI
/// row, a corrected coupon) is a new document, the old one stays for the sets that still list it, and writing the same
/// entity again is a harmless no-op. Decimals, dates and enums are JSON strings (Cosmos stores numbers as doubles).
/// </summary>
/// <param name="Id">Natural key, a dot, and 20 hex digits of the content hash.</param>
/// <param name="Kind">The partition key (<see cref="ReferenceDataKinds"/>).</param>
/// <param name="Key">The natural key (ISIN, LEI, id, or date and pair).</param>
/// <param name="SchemaVersion">The layout version of this document.</param>
/// <param name="Data">The entity, in the layout of the data/reference files.</param>
public sealed record ReferenceDataRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("data")] JsonElement Data)
{
    /// <summary>The layout version of row documents.</summary>
    public const int CurrentSchemaVersion = 1;
}

/// <summary>
/// The manifest of one reference data set (partition <see cref="ReferenceDataKinds.Manifest"/>, id <c>set.&lt;version&gt;</c>):
/// the ids of its rows per kind, in the order of the source files. Written after every row it lists, and never changed.
/// </summary>
/// <param name="Id">The document id.</param>
/// <param name="Kind">Always <see cref="ReferenceDataKinds.Manifest"/>.</param>
/// <param name="Version">The set version: a hash of every row id, so the same data always has the same version.</param>
/// <param name="SchemaVersion">The layout version of this document.</param>
/// <param name="Rows">Row ids per kind.</param>
public sealed record ReferenceDataManifest(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("rows")] IReadOnlyDictionary<string, IReadOnlyList<string>> Rows)
{
    /// <summary>The layout version of manifests.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The id of a set's manifest.</summary>
    public static string IdFor(string version) => "set." + version;
}

/// <summary>When a set version comes into force.</summary>
/// <param name="Version">The set version.</param>
/// <param name="EffectiveFrom">The instant from which capture uses it.</param>
/// <param name="LoadedAt">When it was loaded (breaks ties between activations with the same effective instant).</param>
public sealed record ReferenceDataActivation(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("effectiveFrom")] DateTimeOffset EffectiveFrom,
    [property: JsonPropertyName("loadedAt")] DateTimeOffset LoadedAt);

/// <summary>
/// The activation list (partition <see cref="ReferenceDataKinds.Manifest"/>, id <see cref="DocumentId"/>): the one document
/// a reader checks on every cache refresh, and the last one a load writes (with <c>If-Match</c>), so a reader never sees a
/// set whose rows are not all stored. Rolling back is activating an older version again.
/// </summary>
/// <param name="Id">Always <see cref="DocumentId"/>.</param>
/// <param name="Kind">Always <see cref="ReferenceDataKinds.Manifest"/>.</param>
/// <param name="Activations">Oldest first, at most <see cref="MaximumActivations"/>.</param>
public sealed record ReferenceDataActivations(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("activations")] IReadOnlyList<ReferenceDataActivation> Activations)
{
    /// <summary>The id of the activation list.</summary>
    public const string DocumentId = "activations";

    /// <summary>How many activations the list keeps (the oldest are dropped; their rows and manifests stay).</summary>
    public const int MaximumActivations = 100;

    /// <summary>The activation in force at <paramref name="now"/>: the latest effective one, the latest loaded on a tie.</summary>
    public ReferenceDataActivation? InForceAt(DateTimeOffset now)
    {
        ReferenceDataActivation? inForce = null;
        foreach (var a in Activations)
        {
            if (a.EffectiveFrom <= now
                && (inForce is null || a.EffectiveFrom > inForce.EffectiveFrom || (a.EffectiveFrom == inForce.EffectiveFrom && a.LoadedAt >= inForce.LoadedAt)))
            {
                inForce = a;
            }
        }

        return inForce;
    }
}

/// <summary>Converts between a <see cref="ReferenceDataSet"/> and its documents.</summary>
public static class ReferenceDataRows
{
    /// <summary>
    /// The entity layout inside row documents: that of the data/reference files (camelCase, enums by name), with every
    /// number written as a string so no rate or price passes through a double.
    /// </summary>
    public static JsonSerializerOptions DataOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The documents of a set: its rows per kind in source order, and its manifest.</summary>
    public static (IReadOnlyList<ReferenceDataRow> Rows, ReferenceDataManifest Manifest) From(ReferenceDataSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var rows = new List<ReferenceDataRow>();
        var ids = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        void Add<T>(string kind, IEnumerable<T> entities, Func<T, string> key)
        {
            var kindIds = new List<string>();
            foreach (var entity in entities)
            {
                var row = Row(kind, key(entity), entity);
                rows.Add(row);
                kindIds.Add(row.Id);
            }

            ids[kind] = kindIds;
        }

        Add(ReferenceDataKinds.Security, set.Securities.Values.OrderBy(s => s.Isin, StringComparer.Ordinal), s => s.Isin);
        Add(ReferenceDataKinds.Counterparty, set.Counterparties.Values.OrderBy(c => c.Lei, StringComparer.Ordinal), c => c.Lei);
        Add(ReferenceDataKinds.Custodian, set.Custodians.Values.OrderBy(c => c.Lei, StringComparer.Ordinal), c => c.Lei);
        Add(ReferenceDataKinds.Book, set.Books.Values.OrderBy(b => b.Id, StringComparer.Ordinal), b => b.Id);
        Add(ReferenceDataKinds.Account, set.Accounts.Values.OrderBy(a => a.Id, StringComparer.Ordinal), a => a.Id);
        Add(ReferenceDataKinds.CommissionSchedule, set.CommissionSchedules.Values.OrderBy(c => c.Id, StringComparer.Ordinal), c => c.Id);

        // Fee rules and FX rates are lists whose order the set keeps (rate histories): they stay in source order.
        Add(ReferenceDataKinds.FeeRule, set.FeeRules, f => f.Code + "." + Date(f.EffectiveFrom));
        Add(ReferenceDataKinds.FxRate, set.FxRates, r => Date(r.Date) + "." + r.Base + r.Quote);
        Add(ReferenceDataKinds.Calendar, set.CalendarDefinitions.Values.OrderBy(c => c.Id, StringComparer.Ordinal), c => c.Id);
        Add(ReferenceDataKinds.SettlementConvention, set.SettlementConventions.Values.OrderBy(c => c.Id, StringComparer.Ordinal), c => c.Id);

        var version = VersionOf(ids);
        return (rows, new ReferenceDataManifest(ReferenceDataManifest.IdFor(version), ReferenceDataKinds.Manifest, version, ReferenceDataManifest.CurrentSchemaVersion, ids));
    }

    /// <summary>The entity a row holds, as the domain type of its kind.</summary>
    /// <exception cref="InvalidDataException">The row is of an unknown kind or layout, or its data does not read.</exception>
    public static object Entity(ReferenceDataRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.SchemaVersion != ReferenceDataRow.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Reference data row {row.Kind}/{row.Id} has layout v{row.SchemaVersion}, not v{ReferenceDataRow.CurrentSchemaVersion}.");
        }

        try
        {
            return row.Kind switch
            {
                ReferenceDataKinds.Security => Read<Security>(row),
                ReferenceDataKinds.Counterparty => Read<Counterparty>(row),
                ReferenceDataKinds.Custodian => Read<Custodian>(row),
                ReferenceDataKinds.Book => Read<Book>(row),
                ReferenceDataKinds.Account => Read<Account>(row),
                ReferenceDataKinds.CommissionSchedule => Read<CommissionSchedule>(row),
                ReferenceDataKinds.FeeRule => Read<FeeRule>(row),
                ReferenceDataKinds.FxRate => Read<FxRate>(row),
                ReferenceDataKinds.Calendar => Read<CalendarDefinition>(row),
                ReferenceDataKinds.SettlementConvention => Read<SettlementConvention>(row),
                _ => throw new InvalidDataException($"Reference data row {row.Id} is of unknown kind '{row.Kind}'."),
            };
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Reference data row {row.Kind}/{row.Id} does not read: {ex.Message}", ex);
        }
    }

    /// <summary>Builds the set a manifest describes from its rows' entities (looked up by row id).</summary>
    /// <exception cref="InvalidDataException">A listed row is missing, or the set has integrity problems.</exception>
    public static ReferenceDataSet ToSet(ReferenceDataManifest manifest, IReadOnlyDictionary<string, object> entitiesById)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(entitiesById);
        List<T> Of<T>(string kind) =>
        [
            .. (manifest.Rows.TryGetValue(kind, out var ids) ? ids : []).Select(id => entitiesById.TryGetValue(id, out var entity) && entity is T typed
                ? typed
                : throw new InvalidDataException($"Reference data set {manifest.Version}: row {kind}/{id} is missing.")),
        ];

        var set = new ReferenceDataSet(
            Of<Security>(ReferenceDataKinds.Security),
            Of<Counterparty>(ReferenceDataKinds.Counterparty),
            Of<Custodian>(ReferenceDataKinds.Custodian),
            Of<Book>(ReferenceDataKinds.Book),
            Of<Account>(ReferenceDataKinds.Account),
            Of<CommissionSchedule>(ReferenceDataKinds.CommissionSchedule),
            Of<FeeRule>(ReferenceDataKinds.FeeRule),
            Of<FxRate>(ReferenceDataKinds.FxRate),
            Of<CalendarDefinition>(ReferenceDataKinds.Calendar),
            Of<SettlementConvention>(ReferenceDataKinds.SettlementConvention));
        var problems = set.Problems();
        return problems.Count == 0
            ? set
            : throw new InvalidDataException($"Reference data set {manifest.Version} has integrity problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static T Read<T>(ReferenceDataRow row) =>
        row.Data.Deserialize<T>(DataOptions) ?? throw new InvalidDataException($"Reference data row {row.Kind}/{row.Id} is empty.");

    private static ReferenceDataRow Row<T>(string kind, string key, T entity)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(entity, DataOptions);
        var hash = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes(kind + "\n"), .. data]))[..20];
        using var document = JsonDocument.Parse(data);
        return new ReferenceDataRow(SafeId(key) + "." + hash, kind, key, ReferenceDataRow.CurrentSchemaVersion, document.RootElement.Clone());
    }

    private static string VersionOf(Dictionary<string, IReadOnlyList<string>> ids)
    {
        var text = new StringBuilder();
        foreach (var kind in ReferenceDataKinds.EntityKinds)
        {
            text.Append(kind).Append(':').AppendJoin(',', ids[kind]).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    // Cosmos ids may not contain '/', '\', '?' or '#'; natural keys here never do, but a stray one must not break a load.
    private static string SafeId(string key) =>
        string.Create(key.Length, key, (span, k) =>
        {
            for (var i = 0; i < k.Length; i++)
            {
                span[i] = k[i] is '/' or '\\' or '?' or '#' ? '_' : k[i];
            }
        });

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
